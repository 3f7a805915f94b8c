import ChargelineCore
import ChargelineStorage
import Foundation
import Testing

/// Runs `chargeline serve` as a child process, kills it with SIGKILL in the middle of ingest
/// from three concurrent writers, reopens the data directory and finds every acknowledged row.
@Suite(.serialized) struct CrashRecoveryTests {
    @Test func sigkillDuringIngestLosesNoAcknowledgedRow() throws {
        let dir = NSTemporaryDirectory() + "chargeline-crash-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ChildProcess(["serve", "--data", dir, "--http", "127.0.0.1:0", "--lp-tcp", "off", "--log-level", "warning"])
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        let port = try #require(Self.port(in: server.text))

        // Each writer sends batches of 500 rows; row values encode (writer, batch, row).
        final class Acks: @unchecked Sendable {
            let lock = NSLock()
            var batches: [(writer: Int, batch: Int)] = []
            func add(_ w: Int, _ b: Int) { lock.lock(); batches.append((w, b)); lock.unlock() }
            var count: Int { lock.lock(); defer { lock.unlock() }; return batches.count }
        }
        let acks = Acks()
        let group = DispatchGroup()
        for writer in 0..<3 {
            group.enter()
            Thread.detachNewThread {
                var client = TinyHTTPClient(port: port)
                for batch in 0..<100_000 {
                    guard let status = client.post("/write?db=crash&precision=ns", Self.body(writer: writer, batch: batch)) else { break }
                    if status == 204 { acks.add(writer, batch) }
                }
                group.leave()
            }
        }
        // Let ingest run, then kill the server without warning.
        let deadline = Date().addingTimeInterval(20)
        while acks.count < 60 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        server.kill(SIGKILL)
        _ = server.wait()
        group.wait()
        let acknowledged = acks.batches
        #expect(acknowledged.count >= 30, "too few acknowledged batches to mean anything: \(acknowledged.count)")

        let store = try Store(directory: dir)
        defer { try? store.close() }
        let series = try store.read(database: "crash", measurement: "telemetry")
        var found: [String: [Int64: Double]] = [:]
        for s in series {
            guard let v = s.columns.first(where: { $0.name == "voltage" }) else { continue }
            for i in 0..<v.count { found[s.key, default: [:]][v.timestamps[i]] = v.value(at: i).doubleValue }
        }
        var missing = 0
        for (writer, batch) in acknowledged {
            for row in 0..<500 {
                let (key, t, value) = Self.row(writer: writer, batch: batch, row: row)
                if found[key]?[t] != value { missing += 1 }
            }
        }
        #expect(missing == 0, "\(missing) acknowledged rows missing or changed after SIGKILL")
    }

    static func port(in text: String) -> Int? {
        guard let r = text.range(of: "http://127.0.0.1:") else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    static func row(writer: Int, batch: Int, row: Int) -> (key: String, t: Int64, value: Double) {
        let gun = row % 50
        let key = "telemetry,gun=\(gun),pile=W\(writer)"
        let t = 1_763_596_800_000_000_000 + Int64(batch) * 1_000_000_000 + Int64(row / 50) * 1_000_000
        let value = Double(writer * 1_000_000 + batch * 10 + row % 10) / 10
        return (key, t, value)
    }

    static func body(writer: Int, batch: Int) -> [UInt8] {
        var s = ""
        for r in 0..<500 {
            let (key, t, value) = row(writer: writer, batch: batch, row: r)
            s += "\(key) voltage=\(value),status=3i \(t)\n"
        }
        return Array(s.utf8)
    }
}
