import ChargelineCore
import ChargelineStorage
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Asks a running server for a snapshot: `POST /api/v1/snapshot`.
struct SnapshotClient {
    let base: String

    func takeSnapshot() async throws -> SnapshotReport {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        guard let url = URL(string: trimmed + "/api/v1/snapshot"), url.scheme != nil else {
            throw ChargelineError(.badInput, "--server \(base) is not a URL; use http://host:port")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.timeoutInterval = 600
        let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { cont in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    cont.resume(throwing: ChargelineError(.io, "cannot reach \(trimmed)/api/v1/snapshot: \(error.localizedDescription); is `chargeline serve` running there?"))
                } else {
                    cont.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
                }
            }.resume()
        }
        guard status == 200 else {
            let message = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["error"] as? String
                ?? String(decoding: data, as: UTF8.self)
            throw ChargelineError(.io, "\(trimmed)/api/v1/snapshot answered \(status): \(message)")
        }
        do {
            return try JSONDecoder().decode(SnapshotReport.self, from: data)
        } catch {
            throw ChargelineError(.io, "\(trimmed)/api/v1/snapshot answered something other than a snapshot: \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
    }
}
