import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage

/// Retention set by InfluxQL DDL (`ALTER RETENTION POLICY`): persisted in the database folder,
/// read back after a restart, and applied by retention runs in place of the configuration's.
@Suite struct RetentionSettingsTests {
    static let day: Int64 = 86_400_000_000_000

    @Test func persistedRawRetentionSurvivesARestartAndIsApplied() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        var o = RollupTests().options()
        o.retention.defaultPolicy = RetentionPolicy(raw: nil, rollup: 400 * Self.day)
        do {
            let store = try Store(directory: dir.path, options: o, logger: quietLogger)
            store.writeAndWait(database: "db", batch: RollupTests().randomBatch(seed: 21, guns: 2, hours: 72))
            #expect(try store.retentionPolicy(for: "db").raw == nil)
            try store.setRetention(database: "db", raw: Self.day, rollup: nil)
            try store.close()
        }
        #expect(FileManager.default.fileExists(atPath: dir.path + "/db/RETENTION"))
        let store = try Store(directory: dir.path, options: o, logger: quietLogger)
        let policy = try store.retentionPolicy(for: "db")
        #expect(policy.raw == Self.day)
        #expect(policy.rollup == 400 * Self.day, "the rollup tier keeps the configured retention")
        let now = RollupTests.t0 + 3 * Self.day + 3_600_000_000_000
        _ = try store.runRollups(now: now)
        let done = try store.applyRetention(now: now, dryRun: false)
        #expect(done.filter { $0.kind == .drop }.count == 2, "\(done)")
        // 0 keeps forever again.
        try store.setRetention(database: "db", raw: 0, rollup: nil)
        #expect(try store.retentionPolicy(for: "db").raw == nil)
        try store.close()
    }

    @Test func damagedFileIsReportedWithItsPath() throws {
        let dir = TempDirectory(); defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        try store.createDatabase("db")
        try store.setRetention(database: "db", raw: Self.day, rollup: nil)
        try store.close()
        let path = dir.path + "/db/RETENTION"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes[0..<4]) == Array("CLRT".utf8))
        bytes[bytes.count - 2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let reopened = try Store(directory: dir.path, options: testOptions(), logger: quietLogger)
        #expect(throws: ChargelineError.self) { try reopened.retentionPolicy(for: "db") }
        try reopened.close()
    }
}
