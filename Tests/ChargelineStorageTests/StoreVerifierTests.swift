import ChargelineCore
import Foundation
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// `StoreVerifier`, the start-up quarantine and `StoreRepairer` on a tiny store (3 series,
/// a day of hourly rows, rollups run): every byte of a segment, a manifest and the rollup
/// state flipped in turn is reported by verify, and opening and reading after it either
/// refuses with an error, quarantines, or returns exactly the original data.
@Suite(.serialized) struct StoreVerifierTests {
    static let t0: Int64 = 1_763_596_800_000_000_000  // 2025-11-20T00:00:00Z
    static let hour: Int64 = 3_600_000_000_000

    static func options() -> StorageOptions {
        var o = testOptions()
        o.rollup.grace = 0
        o.fsync = .never
        return o
    }

    /// A store with one raw segment per partition in `days`, rolled up, closed.
    static func makeStore(days: Int = 1) throws -> TempDirectory {
        let dir = TempDirectory()
        let store = try Store(directory: dir.path, options: options(), logger: quietLogger)
        for d in 0..<days {
            let times = (0..<4).map { t0 + Int64(d) * 24 * hour + Int64($0) * hour }
            store.writeAndWait(database: "db", batch: telemetryBatch(guns: 0..<3, times: times))
            try store.flush()
        }
        _ = try store.runRollups(database: "db", now: t0 + Int64(days) * 24 * hour)
        try store.close()
        return dir
    }

    /// What the store answers: raw rows and rollup rows, as text.
    static func answers(_ store: Store) throws -> String {
        var lines: [String] = []
        for (key, fields) in try storeContent(store, database: "db") {
            for (field, values) in fields {
                for (t, v) in values { lines.append("\(key) \(field) \(t) \(v)") }
            }
        }
        var out = lines.sorted().joined(separator: "\n")
        for s in try store.readRollup(database: "db", rollup: "1h", measurement: "telemetry") {
            for c in s.columns { out += "\n\(s.key) \(c.name) \(c.timestamps) \((0..<c.count).map { c.value(at: $0) })" }
        }
        return out
    }

    static func segmentFiles(_ dir: String) -> [String] {
        let root = dir + "/" + FileNames.partitionsDirectory
        return FileIO.list(root).sorted().flatMap { f in FileIO.list(root + "/" + f).sorted().map { root + "/" + f + "/" + $0 } }
    }

    static func copy(_ from: String) -> TempDirectory {
        let to = TempDirectory()
        try? FileManager.default.removeItem(atPath: to.path)
        try! FileManager.default.copyItem(atPath: from, toPath: to.path)
        return to
    }

    @Test func cleanStoreHasNoProblems() throws {
        let dir = try Self.makeStore(days: 2)
        defer { dir.cleanup() }
        let report = try StoreVerifier.verify(directory: dir.path)
        #expect(report.problems == [], "\(report.problems)")
        #expect(report.databases == ["db", "db/rollup_1h"])
        #expect(report.files >= 6)  // 2 manifests, 2 raw segments, a rollup segment, ROLLUPS
        // Decoding every value too finds nothing more, over the same files.
        let deep = try StoreVerifier.verify(directory: dir.path, deep: true)
        #expect(deep.problems == [], "\(deep.problems)")
        #expect(deep.files == report.files && deep.bytes == report.bytes)
    }

    /// Flips every byte of `file` (relative to the store) in turn, with a fixed seed; verify
    /// runs after each flip, open and read after every `openEvery`-th.
    func flipEveryByte(openEvery: Int = 1, _ relative: (String) -> String) throws {
        let pristine = try Self.makeStore()
        defer { pristine.cleanup() }
        let expected = try {
            let store = try Store(directory: pristine.path, options: Self.options(), readOnly: true, logger: quietLogger)
            return try Self.answers(store)
        }()
        let bytes = try FileIO.readAll(relative(pristine.path))
        #expect(bytes.count > 16)
        var rng = SplitMix64(seed: 0x5EED_F11B)
        var refused = 0, quarantined = 0, correct = 0
        let pristinePath = relative(pristine.path)
        for offset in 0..<bytes.count {
            var bad = bytes
            bad[offset] ^= UInt8.random(in: 1...255, using: &rng)
            // Verify sees the flip in place (no copy); open and read get a copy, as opening
            // for writing changes the store.
            try Data(bad).write(to: URL(fileURLWithPath: pristinePath))
            let report = try StoreVerifier.verify(directory: pristine.path)
            #expect(report.problems.contains { $0.file == pristinePath }, "flip at byte \(offset) of \(pristinePath) not reported: \(report.problems)")
            guard offset % openEvery == 0 else { continue }
            let work = Self.copy(pristine.path)
            defer { work.cleanup() }
            try Data(bytes).write(to: URL(fileURLWithPath: pristinePath))
            let path = relative(work.path)
            do {
                let store = try Store(directory: work.path, options: Self.options(), logger: quietLogger)
                defer { try? store.close() }
                if store.statistics().contains(where: { $0.quarantinedSegments > 0 }) {
                    quarantined += 1
                    #expect(FileIO.fileSize(path) == nil, "a quarantined segment is moved out of its partition")
                    continue
                }
                do {
                    let got = try Self.answers(store)
                    #expect(got == expected, "flip at byte \(offset) of \(path) gave a wrong answer")
                    correct += 1
                } catch let e as ChargelineError {
                    #expect(e.message.contains(path), "the read error names the file: \(e.message)")
                    refused += 1
                }
            } catch let e as ChargelineError {
                #expect(e.code == .corruption || e.code == .io, "\(e)")
                refused += 1
            }
        }
        try Data(bytes).write(to: URL(fileURLWithPath: pristinePath))
        #expect(refused + quarantined + correct == (bytes.count + openEvery - 1) / openEvery)
    }

    @Test func everyFlippedSegmentByteIsFoundAndNeverAnsweredWrong() throws {
        try flipEveryByte { dir in Self.segmentFiles(dir + "/db")[0] }
    }

    /// A rollup segment (no block statistics), ~5 KB: opened and read after every 8th
    /// flip to keep the test under a minute (the raw segment above is opened after each).
    @Test func everyFlippedRollupSegmentByteIsFoundAndNeverAnsweredWrong() throws {
        try flipEveryByte(openEvery: 8) { dir in Self.segmentFiles(dir + "/db/rollup_1h")[0] }
    }

    @Test func everyFlippedManifestByteIsFound() throws {
        try flipEveryByte { dir in dir + "/db/" + FileNames.manifest }
    }

    @Test func everyFlippedRollupStateByteIsFound() throws {
        try flipEveryByte { dir in dir + "/db/" + RollupState.fileName }
    }

    @Test func aDamagedSegmentIsQuarantinedAtStartAndTheRestServes() throws {
        let dir = try Self.makeStore(days: 2)
        defer { dir.cleanup() }
        let segments = Self.segmentFiles(dir.path + "/db")
        #expect(segments.count == 2)
        // Damage the first segment's index (its last bytes before the 32-byte footer).
        var bytes = try FileIO.readAll(segments[0])
        bytes[bytes.count - 40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: segments[0]))
        let store = try Store(directory: dir.path, options: Self.options(), logger: quietLogger)
        defer { try? store.close() }
        #expect(store.statistics().first?.quarantinedSegments == 1)
        #expect(FileIO.fileSize(segments[0]) == nil)
        let name = String(segments[0].split(separator: "/").last!)
        #expect(FileIO.fileSize(dir.path + "/db/quarantine/" + name) != nil)
        #expect(try Manifest.load(directory: dir.path + "/db")?.segments.count == 1)
        let content = try storeContent(store, database: "db")
        let times = Set(content.values.flatMap { $0.values.flatMap { $0.keys } })
        #expect(times == Set((0..<4).map { Self.t0 + 24 * Self.hour + Int64($0) * Self.hour }), "the second day still serves")
    }

    @Test func aSegmentOfANewerVersionRefusesTheOpenAndIsNotQuarantined() throws {
        let dir = try Self.makeStore()
        defer { dir.cleanup() }
        let segment = Self.segmentFiles(dir.path + "/db")[0]
        let listed = try Manifest.load(directory: dir.path + "/db")?.segments.count
        var bytes = try FileIO.readAll(segment)
        let newer = SegmentFormat.version + 1
        for at in [4, bytes.count - SegmentFormat.footerSize + 24] {
            bytes[at] = UInt8(truncatingIfNeeded: newer)
            bytes[at + 1] = UInt8(truncatingIfNeeded: newer >> 8)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        do {
            let store = try Store(directory: dir.path, options: Self.options(), logger: quietLogger)
            try? store.close()
            Issue.record("a store holding a newer segment version opened")
        } catch let error as ChargelineError {
            #expect(error.message.contains("a newer Chargeline wrote it") && error.message.contains(segment), "\(error.message)")
        }
        #expect(FileIO.fileSize(segment) == bytes.count, "the newer file stays where it is")
        #expect(FileIO.fileSize(dir.path + "/db/quarantine") == nil || FileIO.list(dir.path + "/db/quarantine").isEmpty)
        #expect(try Manifest.load(directory: dir.path + "/db")?.segments.count == listed)
    }

    @Test func aDamagedBlockFailsTheReadNamingTheFile() throws {
        let dir = try Self.makeStore()
        defer { dir.cleanup() }
        let segment = Self.segmentFiles(dir.path + "/db")[0]
        var bytes = try FileIO.readAll(segment)
        bytes[40] ^= 0x01  // inside the first block
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let report = try StoreVerifier.verify(directory: dir.path)
        #expect(report.problems.contains { $0.file == segment && $0.offset != nil && $0.problem.contains("checksum") }, "\(report.problems)")
        let store = try Store(directory: dir.path, options: Self.options(), logger: quietLogger)
        defer { try? store.close() }
        #expect(throws: ChargelineError.self) { try storeContent(store, database: "db") }
        do { _ = try storeContent(store, database: "db") } catch let e as ChargelineError { #expect(e.message.contains(segment)) }
    }

    @Test func repairRebuildsADeletedManifestWithTheSameAnswers() throws {
        let dir = try Self.makeStore(days: 3)
        defer { dir.cleanup() }
        let before = try Self.answers(try Store(directory: dir.path, options: Self.options(), readOnly: true, logger: quietLogger))
        try FileIO.remove(dir.path + "/db/" + FileNames.manifest)
        try FileIO.remove(dir.path + "/db/rollup_1h/" + FileNames.manifest)
        #expect(try StoreVerifier.verify(directory: dir.path).problems.count == 2)
        // Opening refuses rather than starting an empty manifest that would drop every file.
        #expect(throws: ChargelineError.self) { try Store(directory: dir.path, options: Self.options(), logger: quietLogger) }
        let report = try StoreRepairer.repair(directory: dir.path)
        #expect(report.lost.isEmpty, "\(report.lost)")
        #expect(report.actions.contains { $0.contains("rebuilt from 3 intact segment files") }, "\(report.actions)")
        #expect(try StoreVerifier.verify(directory: dir.path).problems == [])
        let store = try Store(directory: dir.path, options: Self.options(), logger: quietLogger)
        defer { try? store.close() }
        let after = try Self.answers(store)
        #expect(after == before, "\(zip(after.split(separator: "\n"), before.split(separator: "\n")).filter { $0.0 != $0.1 }.prefix(3)) \(after.count) \(before.count)")
    }

    @Test func repairQuarantinesADamagedSegmentAndSaysWhatWasLost() throws {
        let dir = try Self.makeStore(days: 2)
        defer { dir.cleanup() }
        let segment = Self.segmentFiles(dir.path + "/db")[1]
        var bytes = try FileIO.readAll(segment)
        bytes[40] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let report = try StoreRepairer.repair(directory: dir.path)
        #expect(report.lost.count == 1)
        #expect(report.lost.first?.file == segment)
        #expect(report.lost.first?.rows == 12 && report.lost.first?.values == 36)
        #expect(report.lost.first?.minTime == Self.t0 + 24 * Self.hour)
        #expect(try StoreVerifier.verify(directory: dir.path).problems == [])
    }

    @Test func repairRefusesWhileTheStoreIsOpen() throws {
        let dir = try Self.makeStore()
        defer { dir.cleanup() }
        let store = try Store(directory: dir.path, options: Self.options(), logger: quietLogger)
        defer { try? store.close() }
        #expect {
            try StoreRepairer.repair(directory: dir.path)
        } throws: { e in
            (e as? ChargelineError)?.message.contains("stop `chargeline serve`") == true
        }
    }
}
