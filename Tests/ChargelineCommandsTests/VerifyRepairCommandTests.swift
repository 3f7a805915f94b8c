import ChargelineCore
import ChargelineStorage
import Foundation
import Testing

/// `chargeline verify` and `chargeline repair` as an operator runs them: exit codes, the
/// damaged file named with its byte offset, `--json`, and repair refusing a locked store.
@Suite(.serialized) struct VerifyRepairCommandTests {
    @Test func verifyFindsDamageAndRepairQuarantinesIt() throws {
        let dir = NSTemporaryDirectory() + "chargeline-verify-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lines = (0..<200).map { "telemetry,station=S1,pile=P\($0 % 4),gun=1 voltage=\(400 + $0 % 9),soc=\($0 % 100)i \(1_763_596_800 + 60 * $0)" }
        try lines.joined(separator: "\n").write(toFile: dir + "/a.lp", atomically: false, encoding: .utf8)
        let data = dir + "/data"
        let (s0, o0) = try ChildProcess.run(["import", "--data", data, "--db", "t", "--precision", "s", dir + "/a.lp"])
        #expect(s0 == 0, "\(o0)")

        let (s1, o1) = try ChildProcess.run(["verify", "--data", data])
        #expect(s1 == 0, "\(o1)")
        #expect(o1.contains("no problems"), "\(o1)")

        let root = data + "/t/partitions"
        let folder = try #require(FileManager.default.contentsOfDirectory(atPath: root).first)
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/" + folder).first)
        let segment = root + "/" + folder + "/" + name
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[33] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: segment))

        let (s2, o2) = try ChildProcess.run(["verify", "--data", data])
        #expect(s2 == 1, "\(o2)")
        #expect(o2.contains(segment + " at byte 32: series "), "the file and the damaged block's offset are named: \(o2)")
        #expect(o2.contains("chargeline repair"), "\(o2)")

        let (s3, o3) = try ChildProcess.run(["verify", "--data", data, "--json"])
        #expect(s3 == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(o3.utf8)) as? [String: Any])
        #expect(report["clean"] as? Bool == false)
        let problems = try #require(report["problems"] as? [[String: Any]])
        #expect(problems.contains { $0["file"] as? String == segment && $0["offset"] as? Int == 32 }, "\(o3)")

        do {
            let store = try Store(directory: data)
            defer { try? store.close() }
            let (s4, o4) = try ChildProcess.run(["repair", "--data", data])
            #expect(s4 == 1, "\(o4)")
            #expect(o4.contains("locked by a running chargeline process"), "\(o4)")
        }

        let (s5, o5) = try ChildProcess.run(["repair", "--data", data])
        #expect(s5 == 1, "data was lost: \(o5)")
        #expect(o5.contains("lost: \(segment): 200 rows, 400 values, 2025-11-20T00:00:00Z to 2025-11-20T03:19:00Z"), "\(o5)")
        #expect(FileManager.default.fileExists(atPath: data + "/t/quarantine/" + name))

        let (s6, o6) = try ChildProcess.run(["verify", "--data", data])
        #expect(s6 == 0, "\(o6)")
        let (s7, o7) = try ChildProcess.run(["verify", "--data", dir + "/nonexistent"])
        #expect(s7 == 1 && o7.contains("does not exist"), "\(o7)")
    }
}
