import Foundation
import Testing
@testable import ChargelineLog

@Suite struct LogSegmentNamesTests {
    @Test func namesAreZeroPaddedAndParseBack() {
        #expect(LogSegmentNames.name(42, suffix: ".wal") == "00000000000000000042.wal")
        #expect(LogSegmentNames.id(of: "00000000000000000042.wal", suffix: ".wal") == 42)
        #expect(LogSegmentNames.id(of: "00000000000000000042.spool", suffix: ".wal") == nil)
        #expect(LogSegmentNames.id(of: "cursor", suffix: ".spool") == nil)
    }

    @Test func aListingIsInIdOrderAndSkipsOtherFiles() {
        let dir = LogTempDirectory(); defer { dir.cleanup() }
        for id: UInt64 in [10, 2, 9] { _ = dir.write(LogSegmentNames.name(id, suffix: ".spool"), []) }
        _ = dir.write("cursor", [])
        _ = dir.write(LogSegmentNames.name(5, suffix: ".wal"), [])
        #expect(LogSegmentNames.list(dir.path, suffix: ".spool") == [2, 9, 10])
        #expect(LogSegmentNames.list(dir.path + "/missing", suffix: ".spool") == [])
    }
}
