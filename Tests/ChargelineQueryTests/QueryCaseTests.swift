import ChargelineCore
import Foundation
import Testing

/// Runs every `Cases/*.test` file: each query against the head (data just written), then
/// again after a flush (data in segments, where block statistics answer aggregates); both
/// answers must equal the expected one.
@Suite struct QueryCaseTests {
    static var files: [String] {
        let dir = Bundle.module.resourcePath! + "/Cases"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".test") }.sorted()
    }

    @Test(arguments: files)
    func caseFile(_ name: String) throws {
        let text = try String(contentsOfFile: Bundle.module.resourcePath! + "/Cases/" + name, encoding: .utf8)
        let file = try QueryCaseFile(parsing: text, name: name)
        #expect(!file.queries.isEmpty, "\(name) has no queries")
        let fixture = try QueryFixture(lines: file.data)
        for phase in ["head", "segments"] {
            if phase == "segments" { try fixture.store.flush() }
            for q in file.queries {
                let now = try q.options["now"].map { try TimeParser.parse($0, now: 0) } ?? 1_795_136_400_000_000_000
                let db = q.options["db"].map { $0.isEmpty ? nil : $0 } ?? "fleet"
                let got = fixture.answer(q.text, database: db, now: now, epoch: q.options["epoch"],
                                         params: q.options["params"], rp: q.options["rp"])
                if q.expected.hasPrefix("contains: ") {
                    let want = String(q.expected.dropFirst("contains: ".count))
                    #expect(got.contains(want), "\(name):\(q.line) (\(phase)): expected an answer containing \(want)\ngot: \(got)")
                } else if q.expected.hasPrefix("error: ") {
                    let want = String(q.expected.dropFirst("error: ".count))
                    #expect(got.contains(want), "\(name):\(q.line) (\(phase)): expected an error containing \(want)\ngot: \(got)")
                } else {
                    #expect(got == q.expected, "\(name):\(q.line) (\(phase))\n\(q.text)\nwant: \(q.expected)\n got: \(got)")
                }
            }
        }
    }
}
