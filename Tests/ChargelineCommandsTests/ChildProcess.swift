import Foundation

/// Runs the built `chargeline` binary as a child process (the crash test kills it for real).
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    private let outPipe = Pipe()
    private let lock = NSLock()
    private var output = Data()

    /// The folder holding the test bundle also holds the products SwiftPM built with it.
    static var binary: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for dir in candidates {
            let url = dir.appendingPathComponent("chargeline")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return URL(fileURLWithPath: ".build/debug/chargeline")
    }

    init(_ arguments: [String]) throws {
        process.executableURL = ChildProcess.binary
        process.arguments = arguments
        process.standardOutput = outPipe
        process.standardError = outPipe
        outPipe.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self, !d.isEmpty else { return }
            self.lock.lock(); self.output.append(d); self.lock.unlock()
        }
        try process.run()
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: output, as: UTF8.self)
    }

    /// Waits until the output contains `needle` (or the timeout passes).
    func waitFor(_ needle: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            if !process.isRunning { return text.contains(needle) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    func kill(_ signal: Int32) {
        Foundation.kill(process.processIdentifier, signal)
    }

    /// Waits for exit, then drains whatever output the handler has not delivered yet, so
    /// `text` is complete afterwards however loaded the machine is.
    func wait() -> Int32 {
        process.waitUntilExit()
        outPipe.fileHandleForReading.readabilityHandler = nil
        let rest = (try? outPipe.fileHandleForReading.readToEnd()) ?? nil
        if let rest, !rest.isEmpty {
            lock.lock(); output.append(rest); lock.unlock()
        }
        return process.terminationStatus
    }

    /// Runs a command to completion and returns (status, output).
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let p = try ChildProcess(arguments)
        let status = p.wait()
        return (status, p.text)
    }
}

/// A minimal blocking HTTP/1.1 client over a loopback socket.
struct TinyHTTPClient {
    let port: Int
    private var fd: Int32 = -1

    init(port: Int) { self.port = port }

    mutating func connect() -> Bool {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return r == 0
    }

    /// POSTs `body` to `path`; returns the status code, or nil when the connection failed.
    mutating func post(_ path: String, _ body: [UInt8]) -> Int? {
        request("POST", path, body)?.status
    }

    /// GETs `path` (already percent-encoded); the status and body, or nil when the connection failed.
    mutating func get(_ path: String) -> (status: Int, body: String)? {
        request("GET", path, []).map { ($0.status, String(decoding: $0.body, as: UTF8.self)) }
    }

    private mutating func request(_ method: String, _ path: String, _ body: [UInt8]) -> (status: Int, body: [UInt8])? {
        if fd < 0 && !connect() { return nil }
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n\r\n"
        guard send(Array(head.utf8) + body) else { close(); return nil }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = find(buffer, Array("\r\n\r\n".utf8)) {
                let header = String(decoding: buffer[..<end], as: UTF8.self)
                let length = header.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + 4 + length {
                    guard let status = Int(header.split(separator: " ")[1]) else { return nil }
                    return (status, Array(buffer[(end + 4)..<(end + 4 + length)]))
                }
            }
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { close(); return nil }
            buffer += chunk[..<n]
        }
    }

    private func send(_ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            done += n
        }
        return true
    }

    mutating func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
