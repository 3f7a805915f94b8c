import ChargelineCore
import ChargelineStorage
import Foundation
import Testing

/// `chargeline backup --server` beside a running `serve` under ingest, then `chargeline
/// restore`: the restored store holds every batch acknowledged before the backup started,
/// each batch whole, with the values written.
@Suite(.serialized) struct BackupCommandTests {
    @Test func backupDuringIngestRestoresEveryAcknowledgedBatch() throws {
        let root = NSTemporaryDirectory() + "chargeline-backup-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/data", target = root + "/backups", restored = root + "/restored"
        let server = try ChildProcess(["serve", "--data", dir, "--http", "127.0.0.1:0", "--lp-tcp", "off", "--log-level", "warning"])
        defer { if server.process.isRunning { server.kill(SIGKILL); _ = server.wait() } }
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        let port = try #require(CrashRecoveryTests.port(in: server.text))

        final class Acks: @unchecked Sendable {
            let lock = NSLock()
            var batches: [(writer: Int, batch: Int)] = []
            var stop = false
            func add(_ w: Int, _ b: Int) { lock.lock(); batches.append((w, b)); lock.unlock() }
            var copy: [(writer: Int, batch: Int)] { lock.lock(); defer { lock.unlock() }; return batches }
            var stopping: Bool { lock.lock(); defer { lock.unlock() }; return stop }
        }
        let acks = Acks()
        let group = DispatchGroup()
        for writer in 0..<2 {
            group.enter()
            Thread.detachNewThread {
                var client = TinyHTTPClient(port: port)
                for batch in 0..<100_000 where !acks.stopping {
                    guard let status = client.post("/write?db=backup&precision=ns", CrashRecoveryTests.body(writer: writer, batch: batch)) else { break }
                    if status == 204 { acks.add(writer, batch) }
                }
                group.leave()
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while acks.copy.count < 40 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }

        // Without --server, the store's lock says a server holds it.
        let (refused, refusal) = try ChildProcess.run(["backup", "--data", dir, "--to", target])
        #expect(refused != 0 && refusal.contains("--server"), "\(refusal)")

        let before = acks.copy
        let (status, output) = try ChildProcess.run(["backup", "--data", dir, "--server", "http://127.0.0.1:\(port)", "--to", target])
        #expect(status == 0, "\(output)")
        let id = try #require(output.split(separator: " ").dropFirst().first.map(String.init), "\(output)")
        // The server's snapshot folder is removed once uploaded.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: dir + "/.snapshots")) ?? []).isEmpty)
        // A second backup while ingest goes on.
        let (status2, output2) = try ChildProcess.run(["backup", "--data", dir, "--server", "http://127.0.0.1:\(port)", "--to", target])
        #expect(status2 == 0 && output2.contains("previous backup \(id)"), "\(output2)")
        acks.lock.lock(); acks.stop = true; acks.lock.unlock()
        group.wait()
        server.kill(SIGTERM)
        #expect(server.wait() == 0)

        // Restore the first backup; a non-empty directory is refused without --force.
        let (busy, busyOutput) = try ChildProcess.run(["restore", "--from", target, "--data", dir, "--backup", id])
        #expect(busy != 0 && busyOutput.contains("--force"), "\(busyOutput)")
        let (rs, ro) = try ChildProcess.run(["restore", "--from", target, "--data", restored, "--backup", id])
        #expect(rs == 0 && ro.contains("checksums verified"), "\(ro)")

        let store = try Store(directory: restored)
        defer { try? store.close() }
        var found: [String: [Int64: Double]] = [:]
        for s in try store.read(database: "backup", measurement: "telemetry") {
            guard let v = s.columns.first(where: { $0.name == "voltage" }) else { continue }
            for i in 0..<v.count { found[s.key, default: [:]][v.timestamps[i]] = v.value(at: i).doubleValue }
        }
        var missing = 0
        for (writer, batch) in before {
            for row in 0..<500 {
                let (key, t, value) = CrashRecoveryTests.row(writer: writer, batch: batch, row: row)
                if found[key]?[t] != value { missing += 1 }
            }
        }
        #expect(missing == 0, "\(missing) rows acknowledged before the backup are missing or changed in the restore")
        // Whole batches only: the row count is a multiple of the batch size.
        let rows = found.values.reduce(0) { $0 + $1.count }
        #expect(rows % 500 == 0 && rows >= before.count * 500, "\(rows) rows restored")
    }
}
