import ChargelineCore
import ChargelineReports
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends a query to a server's `/query` (POST, form-encoded) and returns the JSON body.
struct HTTPQueryClient {
    let base: String

    func query(_ q: String, database: String, epoch: String?) throws -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: trimmed + "/query") else {
            throw ChargelineError(.badInput, "--server \(base) is not a URL; use http://host:port")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var form = "q=" + Self.encode(q) + "&db=" + Self.encode(database)
        if let epoch { form += "&epoch=" + Self.encode(epoch) }
        request.httpBody = Data(form.utf8)
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        URLSession.shared.dataTask(with: request) { data, _, error in
            box.data = data
            box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error {
            throw ChargelineError(.io, "cannot reach \(trimmed)/query: \(error.localizedDescription); is `chargeline serve` running there?")
        }
        return String(decoding: box.data ?? Data(), as: UTF8.self)
    }

    /// `GET /report/daily` with the query's parameters; the body on 200.
    /// - Throws: the server's error message on any other status.
    func report(_ query: DailyReportQuery) throws -> [UInt8] {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        let params = query.parameters.sorted { $0.key < $1.key }.map { Self.encode($0.key) + "=" + Self.encode($0.value) }
        guard let url = URL(string: trimmed + "/report/daily?" + params.joined(separator: "&")) else {
            throw ChargelineError(.badInput, "--server \(base) is not a URL; use http://host:port")
        }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        URLSession.shared.dataTask(with: URLRequest(url: url)) { data, response, error in
            box.data = data
            box.error = error
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error {
            throw ChargelineError(.io, "cannot reach \(trimmed)/report/daily: \(error.localizedDescription); is `chargeline serve` running there?")
        }
        let body = box.data ?? Data()
        guard box.status == 200 else {
            let text = String(decoding: body, as: UTF8.self)
            let message = (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["error"] as? String ?? text
            throw ChargelineError(.badInput, "\(trimmed)/report/daily answered \(box.status): \(message)")
        }
        return Array(body)
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

private final class ResultBox: @unchecked Sendable {
    var data: Data?
    var error: (any Error)?
    var status = 0
}
