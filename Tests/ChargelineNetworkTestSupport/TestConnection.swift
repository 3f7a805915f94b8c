package import NIOCore
import NIOPosix

/// A parsed HTTP response, as the test client saw it.
package struct TestResponse {
    package var status: Int
    package var headers: [(String, String)]
    package var body: String

    /// A response.
    package init(status: Int, headers: [(String, String)], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header called `name`, ignoring case.
    package func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// A raw TCP connection to the server, for speaking HTTP/1.1 by hand (so tests control
/// pipelining and framing exactly) or line protocol.
package struct TestConnection {
    /// What the server sent, not yet read by `readResponse`/`readToEnd`.
    package var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var pending: [UInt8] = []

    /// Connects to 127.0.0.1:`port` and runs `body`; the connection is closed afterwards, and
    /// forcibly after 300 s so a broken server fails the test instead of hanging it. Not less:
    /// on a 2-core machine Swift Testing's pool has two threads, and CPU-bound synchronous tests
    /// running beside this one can keep it from resuming for a long time (a 5 s watchdog closed
    /// healthy connections mid-test under a full `swift test`, and a 60 s one did once while a
    /// release build shared the machine, the suite taking 170 s).
    package static func with<T: Sendable>(port: Int, _ body: (inout TestConnection) async throws -> T) async throws -> T {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        let raw = channel.channel
        let watchdog = raw.eventLoop.scheduleTask(in: .seconds(300)) { raw.close(promise: nil) }
        defer { watchdog.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = TestConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&connection)
        }
    }

    package mutating func send(_ text: String) async throws {
        try await outbound.write(ByteBuffer(string: text))
    }

    package mutating func send(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Sends an HTTP/1.1 request with a Content-Length body.
    package mutating func request(_ method: String, _ target: String, body: [UInt8] = [], headers: [String: String] = [:])
        async throws -> TestResponse
    {
        try await send(Self.encode(method, target, body: body, headers: headers))
        return try await readResponse()
    }

    package static func encode(_ method: String, _ target: String, body: [UInt8] = [], headers: [String: String] = [:]) -> [UInt8] {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if method != "GET" && method != "HEAD" || !body.isEmpty { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Shuts our sending side (the server sees EOF).
    package func closeOutput() {
        outbound.finish()
    }

    /// Reads until the server closes; returns whatever arrived.
    package mutating func readToEnd() async throws -> [UInt8] {
        while let chunk = try await inbound.next() { pending += chunk.readableBytesView }
        defer { pending = [] }
        return pending
    }

    /// Reads one response (Content-Length framed, or none for 204/HEAD).
    package mutating func readResponse(isHead: Bool = false) async throws -> TestResponse {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var headEnd: Int? = nil
        while true {
            if headEnd == nil, let r = Self.find(separator, in: pending) { headEnd = r }
            if let end = headEnd {
                let headText = String(decoding: pending[..<end], as: UTF8.self)
                var lines = headText.components(separatedBy: "\r\n")
                let statusLine = lines.removeFirst().split(separator: " ")
                let status = Int(statusLine[1])!
                let headers = lines.map { line -> (String, String) in
                    let i = line.firstIndex(of: ":")!
                    return (String(line[..<i]), line[line.index(after: i)...].trimmingCharacters(in: .whitespaces))
                }
                let length = isHead ? 0 : Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0")!
                let bodyStart = end + separator.count
                if pending.count - bodyStart >= length {
                    let body = String(decoding: pending[bodyStart..<(bodyStart + length)], as: UTF8.self)
                    pending.removeFirst(bodyStart + length)
                    return TestResponse(status: status, headers: headers, body: body)
                }
            }
            guard let chunk = try await inbound.next() else {
                throw TestError("connection closed before a full response; have \(pending.count) bytes")
            }
            pending += chunk.readableBytesView
        }
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}

/// A test failure with a message.
package struct TestError: Error, CustomStringConvertible {
    package var description: String
    package init(_ d: String) { description = d }
}
