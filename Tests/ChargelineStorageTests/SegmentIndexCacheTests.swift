import ChargelineCore
import Testing
@testable import ChargelineStorage
import ChargelineTestSupport

/// The budget on parsed segment indexes: past it the least recently used readers drop theirs,
/// and a dropped index is parsed again on the next read, with the same content.
@Suite struct SegmentIndexCacheTests {
    /// Three segments (one folder each: the fixture writer always uses segment id 1).
    func readers() throws -> (dirs: [TempDirectory], readers: [SegmentReader]) {
        var dirs: [TempDirectory] = [], readers: [SegmentReader] = []
        for _ in 0..<3 {
            let dir = TempDirectory()
            dirs.append(dir)
            readers.append(try SegmentFormatTests.writeSegment(SegmentTestData.wideColumns(), in: dir.path, statistics: false))
        }
        return (dirs, readers)
    }

    @Test func leastRecentlyUsedIndexesAreDroppedPastTheBudget() throws {
        let (dirs, r) = try readers()
        defer { dirs.forEach { $0.cleanup() } }
        let cache = SegmentIndexCache()
        for reader in r { _ = try reader.loadFlatIndex() }
        cache.setBudget(250)
        cache.register(r[0], bytes: 100)
        cache.register(r[1], bytes: 100)
        cache.touch(r[0])  // r[1] is now the least recently used
        #expect(cache.heldBytes == 200)
        cache.register(r[2], bytes: 100)
        #expect(cache.heldBytes == 200)
        #expect(!r[1].holdsParsedIndex, "the least recently used reader dropped its index")
        #expect(r[0].holdsParsedIndex && r[2].holdsParsedIndex)
        // The newest stays even when it alone is over the budget.
        cache.register(r[2], bytes: 1_000)
        #expect(r[2].holdsParsedIndex && !r[0].holdsParsedIndex)
        #expect(cache.heldBytes == 1_000)
        cache.setBudget(0)
        #expect(cache.heldBytes == 0 && !r[2].holdsParsedIndex)
    }

    @Test func aDroppedIndexParsesAgainToTheSameContent() throws {
        let (dirs, r) = try readers()
        defer { dirs.forEach { $0.cleanup() } }
        let before = try r[0].loadFlatIndex()
        let keys = (0..<before.seriesCount).map { Array(before.key($0)) }
        let blocks = try r[0].loadIndex().series.map { $0.fields.map(\.blocks.count) }
        r[0].dropCachedIndexes()
        #expect(!r[0].holdsParsedIndex)
        let again = try r[0].loadFlatIndex()
        #expect((0..<again.seriesCount).map { Array(again.key($0)) } == keys)
        #expect(try r[0].loadIndex().series.map { $0.fields.map(\.blocks.count) } == blocks)
        #expect(again.memoryBytes >= again.bytes)
    }
}
