import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineQuery
import ChargelineStorage
import ChargelineYKC
import ChargelineYKCPile
import Foundation
import Logging
import Testing

/// The YKC front-end keeps each pile's state in `pile_state` (docs/schema.md), and the shipped
/// `Queries/silent-piles.influxql` finds every kind of silent pile from it: piles driven over
/// loopback by the test encoder against a running front-end that writes into a real store.
@Suite(.serialized) struct YKCPileStateTests {
    static let queries = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Queries").path

    /// The first statement of the shipped silent-piles query, exactly as shipped.
    static func silentPilesQuery() throws -> String {
        let text = try String(contentsOfFile: queries + "/silent-piles.influxql", encoding: .utf8)
        let query = text.components(separatedBy: "\n----\n")[0]
        let statement = query.split(separator: "\n").filter { !$0.hasPrefix("--") }.joined(separator: "\n")
            .components(separatedBy: ";")[0]
        #expect(statement.contains("HAVING time < now() - 10m"), "\(statement)")
        return statement
    }

    final class Fleet {
        let dir = NSTemporaryDirectory() + "ykc-pile-state-" + UUID().uuidString
        let store: Store
        let frontEnd: YKCFrontEnd
        let codes = (0..<6).map { YKCRegistryCodes.code($0) }

        init() async throws {
            var options = StorageOptions()
            options.fsync = .never
            options.backgroundMaintenance = false
            store = try Store(directory: dir, options: options)
            var registry: [UInt64: YKCPileInfo] = [:]
            for code in codes { registry[code] = YKCPileInfo(station: "S1") }
            // Activity sampled every second; a pile silent for 3 s is disconnected (swept every 1 s).
            var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: false,
                                          heartbeatTimeoutSeconds: 3, flushMilliseconds: 20, threads: 1, stateSampleSeconds: 1)
            config.database = "ykc"
            let logger = Logger(label: "test", factory: { _ in LogCapture() })
            let directory = YKCPileDirectory(registry: YKCPileRegistry(entries: registry), unknownPiles: .reject, logger: logger)
            frontEnd = try await YKCFrontEnd.start(configuration: config, directory: directory, sink: StorageSink(store: store),
                                                   logger: logger)
        }

        static func wallNow() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

        func text(_ i: Int) -> String { YKCBytes.packedText(codes[i], digits: 14) }

        func telemetry(_ pile: YKCTestPile, status: UInt8 = 3) {
            let data = YKCRealtimeData(trade: YKCTradeNumber(high: 1, low: 1), pileCode: pile.code, gun: 1, status: status,
                                       plugged: 1, decivolts: 4000, deciamps: 1000, gunTemperatureRaw: 80, soc: 50)
            pile.encoder.realtimeData(sequence: pile.nextSequence(), data)
            pile.sendFrame()
        }

        /// The query's answer with `now` the wall clock plus `shift` nanoseconds.
        func answer(_ query: String, shift: Int64 = 0) throws -> String {
            let results = try QueryEngine(store: store).execute(query, database: "ykc", now: Self.wallNow() + shift)
            return InfluxJSON().encode(results)
        }

        func close() async {
            await frontEnd.shutdown()
            try? store.close()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    /// Pile 0 keeps sending telemetry; pile 1 sends one frame, then only heartbeats; pile 2 only
    /// heartbeats; pile 3 drops and logs in again in a loop; pile 4 is in the registry and never
    /// connects; pile 5 logs in and sends nothing (timed out). All but pile 0 are silent.
    @Test func silentPilesQueryFindsEveryKindOfSilentPile() async throws {
        let fleet = try await Fleet()
        let healthy = try YKCTestPile(code: fleet.codes[0], port: fleet.frontEnd.port)
        let quiet = try YKCTestPile(code: fleet.codes[1], port: fleet.frontEnd.port)
        let heartbeatsOnly = try YKCTestPile(code: fleet.codes[2], port: fleet.frontEnd.port)
        let mute = try YKCTestPile(code: fleet.codes[5], port: fleet.frontEnd.port)
        for pile in [healthy, quiet, heartbeatsOnly, mute] { #expect(pile.login()?[13] == 0) }
        fleet.telemetry(healthy)
        fleet.telemetry(quiet)
        // 5 s: past the 3 s heartbeat timeout of the mute pile. Driven from a thread of its own:
        // on one of Swift Testing's few executor threads, blocked by other suites in a full
        // run, a pause over 3 s would time the sending piles out too.
        let piles = UncheckedBox((fleet, healthy, quiet, heartbeatsOnly))
        let relogins = try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
            Thread {
                let (fleet, healthy, quiet, heartbeatsOnly) = piles.value
                do {
                    var relogins = 0
                    for _ in 0..<10 {
                        Thread.sleep(forTimeInterval: 0.5)
                        fleet.telemetry(healthy)
                        for pile in [healthy, quiet, heartbeatsOnly] { _ = pile.heartbeat() }
                        let looping = try YKCTestPile(code: fleet.codes[3], port: fleet.frontEnd.port)
                        if looping.login()?[13] == 0 { relogins += 1 }
                        looping.close()
                    }
                    c.resume(returning: relogins)
                } catch {
                    c.resume(throwing: error)
                }
            }.start()
        }
        #expect(relogins == 10)
        // Pile 0's last telemetry frame was sent now; pile 1's 5 s before. Its newest sample is
        // at most the 1 s sampling period older than the frame.
        let lastFrame = Fleet.wallNow()

        // The shipped query, its "now" set so that its 10 minutes end 2.5 s before the last
        // frame. Points reach the store asynchronously (batcher, then the WAL's sync before
        // the head applies them), later on a loaded machine: wait until the answer settles.
        let query = try Self.silentPilesQuery()
        func silentAnswer() throws -> String {
            try fleet.answer(query, shift: lastFrame - Fleet.wallNow() + 600_000_000_000 - 2_500_000_000)
        }
        var silent = try silentAnswer()
        for _ in 0..<150 where !((1...5).allSatisfy { silent.contains("\"pile\":\"\(fleet.text($0))\"") }
                                   && silent.contains(fleet.text(3)) && !silent.contains(fleet.text(0))) {
            try await Task.sleep(for: .milliseconds(200))
            silent = try silentAnswer()
        }
        for i in 1...5 { #expect(silent.contains("\"pile\":\"\(fleet.text(i))\""), "pile \(i) is silent: \(silent)") }
        #expect(!silent.contains(fleet.text(0)), "pile 0 sends telemetry: \(silent)")

        // State, as an operator reads it, once pile 3's tenth login and disconnect have reached
        // the store (points arrive asynchronously): its registration, 10 logins and 10 disconnects.
        for _ in 0..<150 where try fleet.answer("SELECT count(event) FROM pile_state WHERE pile = '\(fleet.text(3))'")
            .contains(",21]") == false {
            try await Task.sleep(for: .milliseconds(200))
        }
        let state = try fleet.answer("SELECT latest(*) FROM pile_state GROUP BY pile, gun")
        func rows(_ pile: Int, gun: String = "") throws -> [String: String] {
            let json = try JSONSerialization.jsonObject(with: Data(state.utf8)) as! [String: Any]
            let series = ((json["results"] as! [[String: Any]])[0]["series"] as? [[String: Any]]) ?? []
            guard let s = series.first(where: { ($0["tags"] as! [String: String]) == ["pile": fleet.text(pile), "gun": gun] })
            else { return [:] }
            var out: [String: String] = [:]
            for v in s["values"] as! [[Any]] { out[v[1] as! String] = "\(v[2])" }
            return out
        }
        #expect(try rows(0)["connected"] == "1")
        #expect(try rows(0, gun: "1")["status"] == "3", "gun 1 of pile 0 is charging")
        #expect(try rows(1)["heartbeats"] != nil && rows(1)["connected"] == "1")
        #expect(try rows(2)["telemetry"] == "0", "pile 2 never sent telemetry: only the registry baseline")
        #expect(try rows(3)["connected"] == "0" && rows(3)["event"] == "closed", "pile 3 dropped")
        #expect(try rows(4) == ["event": "registered", "telemetry": "0"], "pile 4 never connected")
        #expect(try rows(5)["connected"] == "0" && rows(5)["event"] == "timeout")
        let logins = try fleet.answer("SELECT count(connected) FROM pile_state WHERE pile = '\(fleet.text(3))' AND connected = 1")
        #expect(logins.contains(",10]"), "each of the 10 logins is an event: \(logins)")
        for pile in [healthy, quiet, heartbeatsOnly, mute] { pile.close() }
        await fleet.close()
    }

    /// A pile that stops sending telemetry: its last telemetry in pile_state is the receive time
    /// of its last frame (written once frames have stopped for a sample period), not a later sample.
    @Test func lastTelemetryIsTheLastFrameOnceItGoesQuiet() async throws {
        let fleet = try await Fleet()
        let pile = try YKCTestPile(code: fleet.codes[0], port: fleet.frontEnd.port)
        #expect(pile.login()?[13] == 0)
        // Frames at 0, 0.2, 0.4 and 0.6 s: only the first is sampled at once (1 s period); the
        // last is written by the sweeper once nothing has come for a second.
        for _ in 0..<3 {
            fleet.telemetry(pile)
            try await Task.sleep(for: .milliseconds(200))
        }
        let sent = Fleet.wallNow()
        fleet.telemetry(pile, status: 2)
        for _ in 0..<5 {  // heartbeats keep the connection; the sweeper samples the quiet telemetry
            try await Task.sleep(for: .milliseconds(500))
            _ = pile.heartbeat()
        }
        let answer = try fleet.answer("SELECT latest(telemetry) FROM pile_state GROUP BY pile", shift: 0)
        let rows = try fleet.store.read(database: "ykc", measurement: "pile_state")
        let times = rows.filter { $0.key.contains(fleet.text(0)) }.flatMap { s -> [Int64] in
            guard let c = s.columns.first(where: { $0.name == "telemetry" }) else { return [] }
            return (0..<c.count).map { c.timestamps[$0] }
        }
        let last = try #require(times.max(), "\(answer)")
        #expect(last >= sent && last < sent + 300_000_000, "last telemetry \(last) is the last frame's receive time (sent at \(sent))")
        // The registry baseline, the first frame, the last one: not one point per frame.
        #expect(times.count < 5, "sampled, not one point per frame: \(times.count)")
        let status = try fleet.answer("SELECT status FROM pile_state WHERE gun = '1'")
        #expect(status.contains(",3]") && status.contains(",2]"), "status transitions 3 then 2: \(status)")
        pile.close()
        await fleet.close()
    }
}

/// Hands non-Sendable test objects to the one thread that uses them while the test waits.
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
