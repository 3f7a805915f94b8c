package import ChargelineHTTPAPI
import Foundation
package import Logging

/// Starts a server on 127.0.0.1 with kernel-chosen ports, runs `body`, and shuts it down.
package func withServer<T>(
    sink: FakeSink = FakeSink(), logs: LogCapture? = nil, queryHandler: (any QueryHandler)? = nil,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: (ChargelineServer, FakeSink) async throws -> T
) async throws -> T {
    // No idle timeout unless a test sets one: on two cores, Swift Testing's pool can leave a
    // test between connecting and sending for over the default 120 s while synchronous suites
    // run, and the server then rightly closes the idle connection under it.
    var config = ServerConfiguration(
        http: .init(host: "127.0.0.1", port: 0), lineProtocol: .init(host: "127.0.0.1", port: 0), threads: 2,
        shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
    configure(&config)
    var logger = Logger(label: "test", factory: { _ in logs ?? LogCapture() })
    logger.logLevel = logs == nil ? .critical : .debug
    let server = try await ChargelineServer.start(configuration: config, sink: sink, queryHandler: queryHandler ?? FakeQueryHandler(sink: sink),
                                                  logger: logger)
    do {
        let result = try await body(server, sink)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// Polls `condition` every 10 ms for up to 3 s.
package func eventually(_ condition: () -> Bool) async throws -> Bool {
    for _ in 0..<300 {
        if condition() { return true }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
    return condition()
}

/// `text` gzip-compressed by /bin/gzip.
package func gzip(_ text: String) throws -> [UInt8] {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("chargeline-gzip-\(UUID().uuidString)")
    try Data(text.utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/gzip")
    process.arguments = ["-9", "-n", "-c", url.path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data)
}

/// A `LogHandler` that keeps every message with its metadata, rendered as one line.
package struct LogCapture: LogHandler, @unchecked Sendable {
    private final class Box: @unchecked Sendable {
        let lock = NSLock()
        /// Every line logged so far, oldest first.
    package var lines: [String] = []
    }
    private let box = Box()
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    /// A capture with no lines yet.
    package init() {}

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Every line logged so far, oldest first.
    package var lines: [String] { box.lock.withLock { box.lines } }

    package func log(event: LogEvent) {
        let meta = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        box.lock.withLock { box.lines.append("\(event.level) \(event.message) \(meta)") }
    }
}
