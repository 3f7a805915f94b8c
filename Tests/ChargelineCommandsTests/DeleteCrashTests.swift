import ChargelineCore
import ChargelineStorage
import Foundation
import Testing

/// Deletes survive SIGKILL: `chargeline serve` is killed right after it acknowledged a
/// DELETE (with a writer still going), then `chargeline compact` is killed at several moments
/// of the compaction that applies it. After each kill the data directory holds exactly what it
/// should: nothing deleted comes back, no acknowledged row outside the delete is lost.
@Suite(.serialized) struct DeleteCrashTests {
    typealias C = CrashRecoveryTests
    static let base: Int64 = 1_763_596_800_000_000_000
    static let second: Int64 = 1_000_000_000

    @Test func sigkillAfterADeleteAndDuringTheCompactionThatAppliesIt() throws {
        let dir = NSTemporaryDirectory() + "chargeline-delete-crash-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try ChildProcess(["serve", "--data", dir, "--http", "127.0.0.1:0", "--lp-tcp", "off", "--log-level", "warning"])
        #expect(server.waitFor("stop with Ctrl-C"), "server did not start: \(server.text)")
        let port = try #require(C.port(in: server.text))
        var client = TinyHTTPClient(port: port)
        // Piles W0 and W1: 20 batches of 500 rows each, acknowledged.
        for writer in 0..<2 {
            for batch in 0..<20 {
                #expect(client.post("/write?db=crash&precision=ns", C.body(writer: writer, batch: batch)) == 204)
            }
        }
        // Pile W2 keeps writing meanwhile.
        final class Acks: @unchecked Sendable {
            let lock = NSLock()
            var batches: [Int] = []
            var stop = false
        }
        let acks = Acks()
        let writerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var w = TinyHTTPClient(port: port)
            for batch in 0..<100_000 {
                guard let status = w.post("/write?db=crash&precision=ns", C.body(writer: 2, batch: batch)) else { break }
                acks.lock.lock()
                if status == 204 { acks.batches.append(batch) }
                let stop = acks.stop
                acks.lock.unlock()
                if stop { break }
            }
            writerDone.signal()
        }
        Thread.sleep(forTimeInterval: 0.2)
        let q = "DELETE FROM telemetry WHERE pile = 'W0' AND time >= \(Self.base + 5 * Self.second) AND time < \(Self.base + 15 * Self.second)"
        let answer = client.get("/query?db=crash&q=" + q.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
        server.kill(SIGKILL)
        #expect(answer?.status == 200 && answer?.body == #"{"results":[{"statement_id":0}]}"#, "\(String(describing: answer))")
        _ = server.wait()
        acks.lock.lock()
        acks.stop = true
        acks.lock.unlock()
        writerDone.wait()
        acks.lock.lock()
        let written = acks.batches
        acks.lock.unlock()
        #expect(written.count >= 2, "the writer must have run beside the delete")

        // What must be there, and what must not.
        func check(_ when: String) throws {
            var options = StorageOptions()
            options.backgroundMaintenance = false  // the compactions are the child's, killed below
            let store = try Store(directory: dir, options: options)
            defer { try? store.close() }
            var found: [String: [Int64: Double]] = [:]
            for s in try store.read(database: "crash", measurement: "telemetry") {
                guard let v = s.columns.first(where: { $0.name == "voltage" }) else { continue }
                for i in 0..<v.count { found[s.key, default: [:]][v.timestamps[i]] = v.value(at: i).doubleValue }
            }
            var missing = 0, resurrected = 0
            for writer in 0..<2 {
                for batch in 0..<20 {
                    for row in 0..<500 {
                        let (key, t, value) = C.row(writer: writer, batch: batch, row: row)
                        let deleted = writer == 0 && (5..<15).contains(batch)
                        if deleted { if found[key]?[t] != nil { resurrected += 1 } } else if found[key]?[t] != value { missing += 1 }
                    }
                }
            }
            for batch in written {
                for row in 0..<500 {
                    let (key, t, value) = C.row(writer: 2, batch: batch, row: row)
                    if found[key]?[t] != value { missing += 1 }
                }
            }
            #expect(resurrected == 0, "\(when): \(resurrected) deleted rows came back")
            #expect(missing == 0, "\(when): \(missing) acknowledged rows missing or changed")
        }
        try check("after SIGKILL right after the delete")
        let before = Self.segmentBytes(dir)

        // SIGKILL during the compaction that applies the delete, at several moments.
        for delay in [0.02, 0.05, 0.1, 0.2, 0.4, 0.8] {
            let compactor = try ChildProcess(["compact", "--data", dir, "--log-level", "warning"])
            Thread.sleep(forTimeInterval: delay)
            compactor.kill(SIGKILL)
            _ = compactor.wait()
            try check("after SIGKILL \(Int(delay * 1000)) ms into a compaction")
        }
        let (status, output) = try ChildProcess.run(["compact", "--data", dir, "--log-level", "warning"])
        #expect(status == 0, "\(output)")
        try check("after the compaction")
        let manifest = try #require(try Manifest.load(directory: dir + "/crash"))
        #expect(manifest.tombstones == nil, "the applied tombstone is dropped")
        let after = Self.segmentBytes(dir)
        #expect(after < before, "segment bytes \(before) -> \(after)")
    }

    static func segmentBytes(_ dir: String) -> Int {
        guard let m = try? Manifest.load(directory: dir + "/crash") else { return 0 }
        return m.segments.reduce(0) { $0 + $1.bytes }
    }
}
