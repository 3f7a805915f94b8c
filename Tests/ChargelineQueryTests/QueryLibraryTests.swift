import ChargelineCore
import Foundation
import Testing

/// Every stored query in `Queries/` must answer its expected result (the JSON after the
/// `----` line) on `Queries/fixture.lp`, at the `-- now:` time of its header, both from the
/// head and after a flush.
@Suite struct QueryLibraryTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Queries").path

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".influxql") }.sorted()
    }

    @Test func libraryHasAtLeastTwelveQueries() {
        #expect(Self.names.count >= 12, "Queries/ holds \(Self.names.count) queries")
    }

    @Test func everyQueryAnswersItsExpectedResult() throws {
        let lines = try String(contentsOfFile: Self.directory + "/fixture.lp", encoding: .utf8).split(separator: "\n").map(String.init)
        let fixture = try QueryFixture(lines: lines, database: "chargeline")
        for phase in ["head", "segments"] {
            if phase == "segments" { try fixture.store.flush() }
            for name in Self.names {
                let text = try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8)
                let parts = text.components(separatedBy: "\n----\n")
                try #require(parts.count == 2, "\(name): needs the query, a ---- line and the expected result")
                let header = parts[0].split(separator: "\n").filter { $0.hasPrefix("--") }
                #expect(header.count >= 2, "\(name): the header says what the query finds")
                let nowLine = try #require(header.first { $0.hasPrefix("-- now:") }, "\(name): header needs -- now: <time>")
                let now = try TimeParser.parse(String(nowLine.dropFirst("-- now:".count)), now: 0)
                let got = fixture.answer(parts[0], database: "chargeline", now: now)
                let want = parts[1].trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(got == want, "\(name) (\(phase))\nwant: \(want)\n got: \(got)")
                #expect(!got.contains("\"error\""), "\(name) fails: \(got)")
            }
        }
    }
}
