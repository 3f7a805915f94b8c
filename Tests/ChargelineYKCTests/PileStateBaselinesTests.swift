import ChargelineCore
import ChargelineFrontEnd
import ChargelineIngest
import ChargelineNetworkTestSupport
import ChargelineStorage
import ChargelineYKC
import Foundation
import Logging
import Testing

/// A restart of the YKC front-end on the same store writes the `registered` baseline of
/// `pile_state` only for piles whose state is not stored yet: a registry pile added since, or
/// an unlisted pile logging in for the first time ever. Rewriting it for every pile would reset
/// each one's "last telemetry" to the restart and hide piles that were already silent.
@Suite(.serialized) struct PileStateBaselinesTests {
    let codes = (0..<4).map { YKCRegistryCodes.code($0) }

    func text(_ i: Int) -> String { YKCBytes.packedText(codes[i], digits: 14) }

    /// Starts a front-end over `store` with registry piles `registered` (station S1), unlisted
    /// piles accepted, runs `body`, and shuts it down (which drains its points into the store).
    func run(_ store: Store, registered: [Int], _ body: (YKCFrontEnd) throws -> Void = { _ in }) async throws {
        var registry: [UInt64: YKCPileInfo] = [:]
        for i in registered { registry[codes[i]] = YKCPileInfo(station: "S1") }
        var config = YKCConfiguration(endpoint: .init(host: "127.0.0.1", port: 0), reusePort: false, flushMilliseconds: 20,
                                      threads: 1)
        config.database = "ykc"
        let logger = Logger(label: "test", factory: { _ in LogCapture() })
        let directory = YKCPileDirectory(registry: YKCPileRegistry(entries: registry), unknownPiles: .accept, logger: logger)
        let frontEnd = try await YKCFrontEnd.start(configuration: config, directory: directory, sink: StorageSink(store: store),
                                                   logger: logger)
        do { try body(frontEnd) } catch { await frontEnd.shutdown(); throw error }
        await frontEnd.shutdown()
    }

    /// Times of the `registered` baselines (`telemetry=0` points) per pile, once `expected`
    /// of them in all are stored (the batcher hands points to the store asynchronously).
    func baselines(_ store: Store, expected: Int) async throws -> [String: [Int64]] {
        var out: [String: [Int64]] = [:]
        for _ in 0..<100 {
            out = [:]
            for s in try store.read(database: "ykc", measurement: "pile_state") {
                guard let c = s.columns.first(where: { $0.name == "telemetry" }) else { continue }
                let pile = s.tags.first(where: { $0.key == "pile" })?.value ?? ""
                for i in 0..<c.count where c.value(at: i).doubleValue == 0 { out[pile, default: []].append(c.timestamps[i]) }
            }
            if out.values.map(\.count).reduce(0, +) >= expected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return out
    }

    @Test func restartWritesBaselinesOnlyForPilesWithoutStoredState() async throws {
        let dir = NSTemporaryDirectory() + "ykc-known-piles-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = StorageOptions()
        options.fsync = .never
        options.backgroundMaintenance = false
        let store = try Store(directory: dir, options: options)
        defer { try? store.close() }

        // First run: piles 0 and 1 in the registry; unlisted pile 3 logs in.
        try await run(store, registered: [0, 1]) { frontEnd in
            let pile = try YKCTestPile(code: codes[3], port: frontEnd.port)
            #expect(pile.login()?[13] == 0)
            pile.close()
        }
        let first = try await baselines(store, expected: 3)
        #expect(first.mapValues(\.count) == [text(0): 1, text(1): 1, text(3): 1], "\(first)")

        // Restart: the registry adds pile 2; pile 3 logs in again.
        try await run(store, registered: [0, 1, 2]) { frontEnd in
            let pile = try YKCTestPile(code: codes[3], port: frontEnd.port)
            #expect(pile.login()?[13] == 0)
            pile.close()
        }
        let second = try await baselines(store, expected: 4)
        #expect(second.mapValues(\.count) == [text(0): 1, text(1): 1, text(2): 1, text(3): 1],
                "only the new registry pile gets a baseline: \(second)")
        let logins = try store.read(database: "ykc", measurement: "pile_state").filter { $0.key.contains(text(3)) }
            .compactMap { $0.columns.first(where: { $0.name == "connected" }) }.map(\.count).reduce(0, +)
        #expect(logins == 4, "pile 3's two logins and two disconnects are stored")
        for i in [0, 1, 3] { #expect(second[text(i)] == first[text(i)], "pile \(i)'s baseline is the first run's") }
    }
}
