import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client for the gateway's forwarder thread: keep-alive POSTs
/// of line protocol to a storage node's `/write`, with send/receive timeouts so a hung node
/// is detected. One request at a time; not thread-safe (one forwarder owns it). With `tls`
/// the same requests go over HTTPS (`UpstreamTLSConnection`).
package final class UpstreamHTTPClient {
    /// What came back.
    package struct Response {
        /// The HTTP status code.
        package var status: Int
        /// The body as text.
        package var body: String
    }

    let host: String
    let port: Int
    /// Send and receive timeout. 30 s: a storage node under fsync load answers in
    /// milliseconds; 30 s without progress means it is hung, not slow.
    let timeoutSeconds: Int
    /// The `Authorization` header value every request carries (`--upstream-token`); nil: none.
    let authorization: String?
    /// HTTPS and how the node's certificate is checked; nil: plain HTTP.
    let tls: UpstreamTLS?
    private var fd: Int32 = -1
    private var secure: UpstreamTLSConnection?

    /// A client for `host:port` (connected on first use), with `token` as credentials and
    /// `tls` for HTTPS.
    package init(host: String, port: Int, timeoutSeconds: Int = 30, token: String? = nil, tls: UpstreamTLS? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
        self.timeoutSeconds = timeoutSeconds
        self.authorization = token.map(Self.authorization(token:))
    }

    /// The `Authorization` value for `--upstream-token`: `user:password` is sent as InfluxDB's
    /// `Token user:password`, anything else (a `CREATE TOKEN` token) as `Bearer <token>`.
    static func authorization(token: String) -> String {
        token.contains(":") ? "Token " + token : "Bearer " + token
    }

    deinit { disconnect() }

    func disconnect() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        secure?.close()
        secure = nil
    }

    private func connectIfNeeded() throws {
        if let tls {
            if secure == nil { secure = try UpstreamTLSConnection.connect(host: host, port: port, tls: tls, timeoutSeconds: timeoutSeconds) }
            return
        }
        guard fd < 0 else { return }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw POSIXError(.EHOSTUNREACH)
        }
        defer { freeaddrinfo(result) }
        let s = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard s >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        guard Glibc.connect(s, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            Glibc.close(s)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .ECONNREFUSED)
        }
        fd = s
    }

    /// POSTs `body` to `path`. Throws on connection errors and timeouts (the connection is
    /// dropped; the next call reconnects).
    package func post(path: String, body: [UInt8]) throws -> Response {
        try connectIfNeeded()
        do {
            let auth = authorization.map { "Authorization: \($0)\r\n" } ?? ""
            let head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + auth + "Content-Length: \(body.count)\r\n\r\n"
            try send(Array(head.utf8))
            try send(body)
            return try readResponse()
        } catch {
            disconnect()
            throw error
        }
    }

    private func send(_ bytes: [UInt8]) throws {
        if let secure { return try secure.send(bytes) }
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPIPE) }
            done += n
        }
    }

    private func readResponse() throws -> Response {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = buffer.firstRange(of: separator)?.lowerBound {
                let header = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = header.split(separator: "\r\n")
                guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
                      let status = Int(statusLine.split(separator: " ")[1]) else { throw POSIXError(.EBADMSG) }
                var length = 0
                var close = false
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    let name = parts[0].lowercased()
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    if name == "content-length" { length = Int(value) ?? 0 }
                    if name == "connection" && value.lowercased() == "close" { close = true }
                }
                let bodyStart = end + 4
                while buffer.count < bodyStart + length {
                    try receive(into: &buffer, chunk: &chunk)
                }
                if close { disconnect() }
                return Response(status: status, body: String(decoding: buffer[bodyStart..<(bodyStart + length)], as: UTF8.self))
            }
            try receive(into: &buffer, chunk: &chunk)
        }
    }

    /// Appends what arrives next to `buffer`; throws when the connection ends or times out.
    private func receive(into buffer: inout [UInt8], chunk: inout [UInt8]) throws {
        if let secure {
            let bytes = try secure.receive()
            if bytes.isEmpty { throw POSIXError(.ECONNRESET) }
            buffer += bytes
            return
        }
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { throw POSIXError(POSIXErrorCode(rawValue: errno == 0 ? ECONNRESET : errno) ?? .ECONNRESET) }
        buffer += chunk[0..<n]
    }
}
