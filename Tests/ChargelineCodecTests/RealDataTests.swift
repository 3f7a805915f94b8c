import Foundation
import Testing

@testable import ChargelineCodec

/// Round trips on measured battery-cycler telemetry (TRI-AMDD/beep, see Fixtures/README.md).
@Suite struct RealDataTests {
    struct Table {
        var header: [String] = []
        var rows: [[Substring]] = []
    }

    static func load() throws -> Table {
        let dir = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let text = try String(contentsOf: dir.appendingPathComponent("beep_arbin_cycler.csv"), encoding: .utf8)
        var table = Table()
        for (i, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if i == 0 { table.header = fields.map(String.init) } else { table.rows.append(fields) }
        }
        return table
    }

    @Test func columnsRoundTrip() throws {
        let table = try Self.load()
        #expect(table.rows.count == 535)
        let series = Dictionary(grouping: table.rows, by: { $0[1] })
        var report: [String] = []
        for (name, rows) in series.sorted(by: { $0.key < $1.key }) {
            let ts = rows.map { Int64($0[0])! }
            for options in Support.allOptions {
                let block = Support.encodeTimestamps(ts, options)
                #expect(try Support.decodeTimestamps(block, count: ts.count) == ts)
                if options == .compact { report.append("\(name) ts_ns: \(ts.count) values -> \(block.count) B") }
            }
            for column in 2..<table.header.count {
                // Storage stores only present values; a missing field is absent, not a value.
                let present = rows.map { $0[column] }.filter { !$0.isEmpty }
                if present.isEmpty { continue }
                let asIntegers = present.compactMap { Int64($0) }
                if asIntegers.count == present.count {
                    for options in Support.allOptions {
                        let block = Support.encodeIntegers(asIntegers, options)
                        #expect(try Support.decodeIntegers(block, count: asIntegers.count) == asIntegers)
                    }
                }
                let floats = present.map { Double($0)! }
                for options in Support.allOptions {
                    let block = Support.encodeFloats(floats, options)
                    let decoded = try Support.decodeFloats(block, count: floats.count)
                    #expect(decoded.map(\.bitPattern) == floats.map(\.bitPattern))
                    if options == .compact {
                        report.append(
                            "\(name) \(table.header[column]): \(floats.count) values -> \(block.count) B "
                                + "(\(Support.encoding(block)!), \(Support.stage(block)!))")
                    }
                }
            }
        }
        let ids = StringColumn(table.rows.map { $0[1] })
        for options in Support.allOptions {
            let block = Support.encodeStrings(ids, options)
            #expect(Support.encoding(block) == .stringDictionary)
            #expect(try Support.decodeStrings(block, count: ids.count) == ids)
        }
        print(report.joined(separator: "\n"))
    }
}
