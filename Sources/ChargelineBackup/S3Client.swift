package import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The four S3 calls a backup needs (PUT, GET, HEAD Object and ListObjectsV2), path-style
/// (`endpoint/bucket/key`, which SeaweedFS, MinIO and AWS all take), signed with SigV4.
///
/// Thread-safe; one HTTP client (connection pool) per instance, shut down with `shutdown()`.
package final class S3Client: Sendable {
    package let configuration: S3Configuration
    package let bucket: String
    private let signer: SigV4Signer
    private let http: HTTPClient
    /// `host` or `host:port` as sent in the Host header (and signed).
    private let hostHeader: String
    /// One object request may take this long: a 5 GiB PUT at 20 MB/s.
    private static let timeout = TimeAmount.seconds(600)

    package init(configuration: S3Configuration, bucket: String) {
        self.configuration = configuration
        self.bucket = bucket
        signer = SigV4Signer(accessKey: configuration.accessKey, secretKey: configuration.secretKey, region: configuration.region)
        var rest = Substring(configuration.endpoint)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        hostHeader = String(rest)
        var config = HTTPClient.Configuration()
        config.decompression = .disabled
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
    }

    /// Closes the connection pool.
    package func shutdown() async {
        try? await http.shutdown()
    }

    /// `s3://bucket`.
    package var description: String { "s3://\(bucket)" }

    // MARK: Objects

    /// PUT Object: stores `body` (`length` bytes whose SHA-256 is `sha256`) as `key`.
    package func putObject(_ key: String, body: HTTPClientRequest.Body, length: Int64, sha256: String) async throws {
        let response = try await send("PUT", key: key, headers: [("content-length", String(length))], payloadSHA256: sha256, body: body)
        try await check(response, "PUT", key)
        _ = try await response.body.collect(upTo: 1 << 20)
    }

    /// GET Object: the response, whose body the caller reads.
    package func getObject(_ key: String) async throws -> HTTPClientResponse {
        let response = try await send("GET", key: key)
        try await check(response, "GET", key)
        return response
    }

    /// HEAD Object: the size, or nil when there is no such object.
    package func headObject(_ key: String) async throws -> Int64? {
        let response = try await send("HEAD", key: key)
        if response.status == .notFound { return nil }
        try await check(response, "HEAD", key)
        return response.headers.first(name: "content-length").flatMap { Int64($0) }
    }

    /// ListObjectsV2 under `prefix`, every page: key -> size.
    package func listObjects(prefix: String) async throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix), ("max-keys", "1000")]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send("GET", key: nil, query: query)
            try await check(response, "LIST", prefix)
            let page = try await response.body.collect(upTo: 64 << 20)
            let listing = S3ListParser.parse(String(buffer: page))
            for (key, size) in listing.objects { out[key] = size }
            token = listing.isTruncated ? listing.nextToken : nil
            if listing.isTruncated && token == nil {
                throw BackupError("\(description): ListObjectsV2 answered a truncated page without a continuation token")
            }
        } while token != nil
        return out
    }

    // MARK: Requests

    func send(_ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
                      payloadSHA256: String = SigV4Signer.emptyPayloadSHA256, body: HTTPClientRequest.Body? = nil) async throws -> HTTPClientResponse {
        let path = "/" + SigV4Signer.encode(bucket, keepSlash: false) + (key.map { "/" + SigV4Signer.encodePath($0) } ?? "")
        let queryText = query.map { SigV4Signer.encode($0.0, keepSlash: false) + "=" + SigV4Signer.encode($0.1, keepSlash: false) }
            .joined(separator: "&")
        var request = HTTPClientRequest(url: configuration.endpoint + path + (queryText.isEmpty ? "" : "?" + queryText))
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "host", value: hostHeader)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let signed = signer.sign(method: method, host: hostHeader, path: path, query: query,
                                 headers: headers.filter { $0.0 != "content-length" }, payloadSHA256: payloadSHA256, date: Date())
        for (name, value) in signed { request.headers.add(name: name, value: value) }
        if let body { request.body = body }
        do {
            return try await http.execute(request, timeout: S3Client.timeout)
        } catch {
            throw BackupError("\(method) \(configuration.endpoint)\(path) failed: \(error); check AWS_ENDPOINT_URL and that the store is up")
        }
    }

    func check(_ response: HTTPClientResponse, _ what: String, _ key: String) async throws {
        guard !(200..<300).contains(response.status.code) else { return }
        let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let code = S3ListParser.element("Code", in: text) ?? ""
        let message = S3ListParser.element("Message", in: text) ?? text.prefix(300).description
        var hint = ""
        switch response.status.code {
        case 403: hint = "; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_REGION"
        case 404 where code == "NoSuchBucket": hint = "; create the bucket first"
        default: break
        }
        throw BackupError("\(what) \(description)/\(key): HTTP \(response.status.code) \(code) \(message)\(hint)")
    }
}
