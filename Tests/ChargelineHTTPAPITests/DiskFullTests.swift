import ChargelineCore
import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import ChargelineStorage
import Foundation
import Logging
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Disk full, end to end on a real file system: a 1 MiB tmpfs the test mounts (as root; the
/// test says why it skips otherwise). The same behaviour is covered without root by
/// `WALTests.aFailedWALWriteLeavesNoTraceAndWritesResume` through the WAL's fault hook.
@Suite(.serialized) struct DiskFullTests {
    static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Fills the file system holding `path` with a file there; returns its size.
    static func fill(_ path: String) -> Int {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { return 0 }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0x55, count: 4096)
        var total = 0
        while true {
            let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            total += n
        }
        return total
    }

    static func lines(_ value: Int, from t: Int, count: Int) -> [UInt8] {
        Array((0..<count).map { "m,gun=\($0 % 7) v=\(value) \(t + $0)\n" }.joined().utf8)
    }

    @Test func writesAnswer503WhileTheDiskIsFullAndResumeWhenSpaceReturns() async throws {
        guard getuid() == 0 else {
            print("DiskFullTests skipped: mounting a tmpfs needs root (WALTests covers the same through the fault hook)")
            return
        }
        let mountPoint = NSTemporaryDirectory() + "chargeline-diskfull-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]) == 0 else {
            print("DiskFullTests skipped: `mount -t tmpfs -o size=1m tmpfs \(mountPoint)` failed (not permitted in this container)")
            return
        }
        defer { _ = Self.run("/bin/umount", ["-l", mountPoint]) }

        var options = StorageOptions()
        options.backgroundMaintenance = false
        options.scheduleRollups = false
        let store = try Store(directory: mountPoint + "/data", options: options, logger: Logger(label: "test", factory: { _ in LogCapture() }))
        let server = try await ChargelineServer.start(
            configuration: ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 1,
                                               shutdownGracePeriodMilliseconds: 1_000, idleTimeoutSeconds: 0),
            sink: StorageSink(store: store), queryHandler: FakeQueryHandler(sink: StorageSink(store: store)), logger: Logger(label: "test", factory: { _ in LogCapture() }))
        let port = try #require(server.httpPort)
        do {
            try await TestConnection.with(port: port) { c in
                #expect(try await c.request("POST", "/write?db=d", body: Self.lines(1, from: 1_000, count: 10)).status == 204)
                let filler = mountPoint + "/filler"
                #expect(Self.fill(filler) > 0)
                // About 20 KB of WAL record: more than the free part of the WAL file's last page.
                let refused = try await c.request("POST", "/write?db=d", body: Self.lines(2, from: 2_000, count: 1_000))
                #expect(refused.status == 503)
                #expect(refused.header("Retry-After") == "1")
                #expect(refused.body.contains("No space left on device"))
                // Nothing of the refused batch is visible.
                #expect(try store.read(database: "d", measurement: "m").flatMap { s in s.columns.flatMap(\.timestamps) }.allSatisfy { $0 < 2_000 })
                // Space returns: writes resume by themselves (the store retries the disk after the
                // Retry-After second), with no restart.
                try FileManager.default.removeItem(atPath: filler)
                var status = 0
                for _ in 0..<50 where status != 204 {
                    try await Task.sleep(nanoseconds: 100_000_000)
                    status = try await c.request("POST", "/write?db=d", body: Self.lines(3, from: 3_000, count: 1_000)).status
                }
                #expect(status == 204)
            }
            let times = Set(try store.read(database: "d", measurement: "m").flatMap { s in s.columns.flatMap(\.timestamps) })
            #expect(times.contains(1_000) && times.contains(3_999))
            #expect(!times.contains { (2_000..<3_000).contains($0) }, "the refused batch never becomes visible")
            try await server.shutdown()
            try store.close()
        } catch {
            try? await server.shutdown()
            try? store.close()
            throw error
        }
    }
}
