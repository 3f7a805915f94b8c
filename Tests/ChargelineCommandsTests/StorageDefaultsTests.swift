@testable import ChargelineCommands
import ChargelineStorage
import Foundation
import Testing

/// The composition root registers the charging domain: storage alone has no rollup extension
/// and no counter; every command's options (defaults and a configuration file) have the usage
/// extension and `energy` as a counter, so `serve` and `rollup` write the `usage_*` fields.
@Suite struct StorageDefaultsTests {
    @Test func commandsRegisterTheUsageExtensionAndTheEnergyCounter() throws {
        #expect(StorageOptions().rollup.extensions.isEmpty && StorageOptions().rollup.counters.isEmpty)
        let defaults = StorageOptions.chargeline().rollup
        #expect(defaults.extensions.map(\.name) == ["usage"] && defaults.counters == ["energy"])
        #expect(Configuration().options.rollup == defaults)
        #expect(try DataOptions.parse(["--data", "/nonexistent"]).storageOptions(background: false).rollup == defaults)

        let path = NSTemporaryDirectory() + "chargeline-defaults-" + UUID().uuidString + ".toml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[rollup]\ncounters = [\"energy\", \"odometer\"]\n".write(toFile: path, atomically: false, encoding: .utf8)
        let configured = try Configuration.load(path).options.rollup
        #expect(configured.extensions.map(\.name) == ["usage"] && configured.counters == ["energy", "odometer"])
    }
}
