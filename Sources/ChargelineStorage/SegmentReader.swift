import ChargelineCodec
package import ChargelineCore
import Foundation

/// The index of one segment: its series in key order, each with its fields and block metas.
package struct SegmentIndex: Sendable {
    package struct Field: Sendable {
        package var name: String
        package var type: FieldType
        package var blocks: [BlockMeta]
    }
    package struct Series: Sendable {
        package var key: [UInt8]
        package var fields: [Field]
    }
    package var series: [Series]
    package var bytes: Int
}

/// Reads one immutable segment file. Opens the file and loads its index on first use, so
/// opening a store touches no segment (lazy per partition). Thread-safe.
package final class SegmentReader: @unchecked Sendable {
    package let info: SegmentInfo
    package let path: String
    private let lock = NSLock()
    private var fd: Int32 = -1
    private var index: SegmentIndex?
    private var flat: FlatSegmentIndex?

    package init(info: SegmentInfo, path: String) {
        self.info = info
        self.path = path
    }

    deinit {
        if fd >= 0 { FileIO.close(fd) }
        SegmentIndexCache.shared.forget(self)
    }

    /// Whether a parsed index is held now.
    package var holdsParsedIndex: Bool {
        lock.lock(); defer { lock.unlock() }
        return flat != nil || index != nil
    }

    /// Drops the parsed indexes (`SegmentIndexCache` evicting); the next read parses again.
    package func dropCachedIndexes() {
        lock.lock()
        flat = nil
        index = nil
        lock.unlock()
        SegmentIndexCache.shared.forget(self)
    }

    /// What the parsed indexes held now take (`SegmentIndexCache` books it).
    package var heldIndexBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return cachedBytesLocked()
    }

    /// What the parsed indexes held now take, for `SegmentIndexCache`. Called under `lock`.
    private func cachedBytesLocked() -> Int {
        var n = flat?.memoryBytes ?? 0
        if let index {
            for s in index.series {
                n += MemoryLayout<SegmentIndex.Series>.stride + s.key.count + 32
                for f in s.fields { n += MemoryLayout<SegmentIndex.Field>.stride + f.name.utf8.count + 32 + f.blocks.count * MemoryLayout<BlockMeta>.stride }
            }
        }
        return n
    }

    /// Opens the file descriptor now (before a compaction unlinks the file, so that readers
    /// holding this object keep working).
    package func ensureOpen() throws {
        lock.lock(); defer { lock.unlock() }
        _ = try openLocked()
    }

    private func openLocked() throws -> Int32 {
        if fd < 0 { fd = try FileIO.open(path, O_RDONLY) }
        return fd
    }

    /// The open file descriptor (opened now if need be); valid while this reader lives.
    func descriptor() throws -> Int32 {
        lock.lock(); defer { lock.unlock() }
        return try openLocked()
    }

    /// The segment's index, read and verified on first call.
    package func loadIndex() throws -> SegmentIndex {
        // Built from the flat index; its bytes are kept only when the flat index was asked for.
        try cachedIndex(\.index, covers: { _ in true }) {
            if let flat, flat.covers(nil) { return flat.materialized() }
            return try parseFlatLocked(fields: nil).materialized()
        }
    }

    /// The segment's index as flat arrays (`FlatSegmentIndex`: no allocation per series or
    /// field, block metas decoded on demand), read and verified on first call: the keys and
    /// the sections of `fields` (all when nil); a later call for other fields loads theirs and
    /// keeps the ones loaded.
    package func loadFlatIndex(fields: Set<String>? = nil) throws -> FlatSegmentIndex {
        try cachedIndex(\.flat, covers: { $0.covers(fields) }) { try parseFlatLocked(fields: fields) }
    }

    /// The parsed index in `slot` when it `covers` the read, else parsed now (under `lock`),
    /// and accounted with `SegmentIndexCache` outside the lock (eviction takes other readers'
    /// locks).
    private func cachedIndex<T>(_ slot: ReferenceWritableKeyPath<SegmentReader, T?>, covers: (T) -> Bool,
                                _ parse: () throws -> T) throws -> T {
        lock.lock()
        if let held = self[keyPath: slot], covers(held) {
            lock.unlock()
            SegmentIndexCache.shared.touch(self)
            return held
        }
        let parsed: T
        do { parsed = try parse() } catch { lock.unlock(); throw error }
        self[keyPath: slot] = parsed
        lock.unlock()
        // The cache reads what this reader holds when it books it (`heldIndexBytes`): with
        // indexes widened by concurrent reads, or dropped by an eviction in between, a figure
        // taken here could be stale by then.
        SegmentIndexCache.shared.register(self)
        return parsed
    }

    /// What the footer says, checked against the header and the file size.
    private struct Footer {
        var indexOffset: Int
        var indexLength: Int
        var indexCRC: UInt32
        var series: Int
        var blocks: Int
        var version: UInt16
        var flags: UInt16
    }
    private var footer: Footer?
    /// The index directory (small: kept when the indexes are dropped).
    private var sections: SegmentSections?

    /// Reads and checks the header and footer once. Called under `lock`.
    private func footerLocked() throws -> (fd: Int32, footer: Footer) {
        let fd = try openLocked()
        if let footer { return (fd, footer) }
        let size = try FileIO.fileSize(fd, path: path)
        guard size >= SegmentFormat.headerSize + SegmentFormat.footerSize else {
            throw corrupt("file is \(size) bytes, shorter than a header and footer", at: 0)
        }
        let header = try FileIO.pread(fd, offset: 0, count: SegmentFormat.headerSize, path: path)
        let bytes = try FileIO.pread(fd, offset: size - SegmentFormat.footerSize, count: SegmentFormat.footerSize, path: path)
        let f = try header.withUnsafeBytes { h in
            try bytes.withUnsafeBytes { f in
                guard h.loadLE(UInt32.self, at: 0) == SegmentFormat.magic, f.loadLE(UInt32.self, at: 28) == SegmentFormat.magic else {
                    throw corrupt("bad magic (not a Chargeline segment)", at: 0)
                }
                let version = h.loadLE(UInt16.self, at: 4), footerVersion = f.loadLE(UInt16.self, at: 24)
                guard version == SegmentFormat.version, footerVersion == version else {
                    throw Self.unsupported(path: path, header: version, footer: footerVersion)
                }
                // Int(exactly:) so a damaged footer cannot trap on conversion.
                return Footer(indexOffset: Int(exactly: f.loadLE(UInt64.self, at: 0)) ?? -1, indexLength: Int(f.loadLE(UInt32.self, at: 8)),
                              indexCRC: f.loadLE(UInt32.self, at: 12), series: Int(f.loadLE(UInt32.self, at: 16)),
                              blocks: Int(f.loadLE(UInt32.self, at: 20)), version: version, flags: f.loadLE(UInt16.self, at: 26))
            }
        }
        guard f.indexOffset >= SegmentFormat.headerSize, f.indexLength <= size - SegmentFormat.footerSize - f.indexOffset,
              f.indexOffset + f.indexLength + SegmentFormat.footerSize == size else {
            throw corrupt("footer points at an index outside the file (offset \(f.indexOffset), length \(f.indexLength))", at: size - SegmentFormat.footerSize)
        }
        // No footer flag is defined: sections say themselves whether they are compressed.
        guard f.flags == 0 else {
            throw corrupt("unknown footer flags 0x\(String(f.flags, radix: 16))", at: size - 6)
        }
        footer = f
        return (fd, f)
    }

    /// The cheap check a writable open runs on every listed segment (no block is read):
    /// the file is the size the manifest records, the header names the manifest's partition
    /// and generation, the header and footer agree, and the index directory (checksum and
    /// structure) and every index section's checksum hold. Throws the same corruption errors a read would, naming the file and
    /// byte offset.
    package func checkAtOpen(partitionDuration: Int64) throws {
        lock.lock(); defer { lock.unlock() }
        let fd = try openLocked()
        let size = try FileIO.fileSize(fd, path: path)
        guard size == info.bytes else {
            throw corrupt("file is \(size) bytes, the manifest records \(info.bytes) (truncated, extended or replaced)", at: min(size, info.bytes))
        }
        let (_, f) = try footerLocked()
        let header = try FileIO.pread(fd, offset: 0, count: SegmentFormat.headerSize, path: path)
        try header.withUnsafeBytes { h in
            guard h.loadLE(UInt16.self, at: 6) == 0 else { throw corrupt("header flags 0x\(String(h.loadLE(UInt16.self, at: 6), radix: 16)) are not 0", at: 6) }
            let start = Int64(bitPattern: h.loadLE(UInt64.self, at: 8)), end = Int64(bitPattern: h.loadLE(UInt64.self, at: 16))
            guard start == info.partitionStart else { throw corrupt("header partition start \(start) is not the manifest's \(info.partitionStart)", at: 8) }
            guard end == start &+ partitionDuration else { throw corrupt("header partition end \(end) is not start + the partition duration (\(start &+ partitionDuration))", at: 16) }
            guard h.loadLE(UInt64.self, at: 24) == info.seq else { throw corrupt("header generation \(h.loadLE(UInt64.self, at: 24)) is not the manifest's seq \(info.seq)", at: 24) }
        }
        // Every section's checksum too (no decompression): damage anywhere in the index is
        // found here and the segment quarantined, not left for the first read of that field.
        let directory = try directoryLocked(fd, f)
        try FileIO.withMappedBytes(fd, offset: f.indexOffset, count: f.indexLength, path: path) { area in
            for (section, what) in [(directory.keys, "keys section"), (directory.timestamps, "timestamps section")] + directory.fields.map({ ($0.section, "field section \"\($0.name)\"") }) {
                let stored = UnsafeRawBufferPointer(rebasing: area[section.offset..<(section.offset + section.stored)])
                guard CRC32C.checksum(stored) == section.crc else { throw corrupt("\(what) checksum mismatch", at: f.indexOffset + section.offset) }
            }
        }
    }

    /// The index directory, read and checked once. Called under `lock`.
    private func directoryLocked(_ fd: Int32, _ f: Footer) throws -> SegmentSections {
        if let sections { return sections }
        let directory = try FileIO.withMappedBytes(fd, offset: f.indexOffset, count: f.indexLength, path: path) { area in
            guard area.count >= 4, Int(area.loadLE(UInt32.self, at: 0)) <= area.count else {
                throw corrupt("index directory length outside the index", at: f.indexOffset)
            }
            guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: area[..<Int(area.loadLE(UInt32.self, at: 0))])) == f.indexCRC else {
                throw corrupt("index directory checksum mismatch", at: f.indexOffset)
            }
            return try SegmentSections.parse(area, indexLength: f.indexLength, series: f.series, blocks: f.blocks) { what, at in
                corrupt(what, at: f.indexOffset + at)
            }
        }
        sections = directory
        return directory
    }

    /// The error to refuse a store with when this file's header and footer both name a
    /// version newer than this build reads, both magics intact: a file a newer Chargeline
    /// wrote, not damage (one damaged byte cannot change both), so it must not be quarantined
    /// and dropped from the manifest by an older build opened on the store. Nil otherwise
    /// (the usual checks then say what is wrong).
    func writtenByNewerBuild() -> ChargelineError? {
        lock.lock(); defer { lock.unlock() }
        guard let fd = try? openLocked(), let size = try? FileIO.fileSize(fd, path: path),
              size >= SegmentFormat.headerSize + SegmentFormat.footerSize,
              let header = try? FileIO.pread(fd, offset: 0, count: SegmentFormat.headerSize, path: path),
              let footer = try? FileIO.pread(fd, offset: size - SegmentFormat.footerSize, count: SegmentFormat.footerSize, path: path) else { return nil }
        return header.withUnsafeBytes { h in
            footer.withUnsafeBytes { f -> ChargelineError? in
                guard h.loadLE(UInt32.self, at: 0) == SegmentFormat.magic, f.loadLE(UInt32.self, at: 28) == SegmentFormat.magic else { return nil }
                let version = h.loadLE(UInt16.self, at: 4)
                guard version > SegmentFormat.version, f.loadLE(UInt16.self, at: 24) == version else { return nil }
                return Self.unsupported(path: path, header: version, footer: version)
            }
        }
    }

    /// The error for a file whose header or footer names a version this build does not read.
    static func unsupported(path: String, header: UInt16, footer: UInt16) -> ChargelineError {
        let found = header == footer ? "version \(header)" : "version \(header) in its header and \(footer) in its footer"
        return ChargelineError(.corruption, "\(path): segment \(found) is not readable by this build, which reads and writes only segment version \(SegmentFormat.version); "
            + (header > SegmentFormat.version
                ? "a newer Chargeline wrote it: run that release (or a later one) on this data directory, or restore a backup made by this one"
                : "it was written by a development build before the first release: re-import its data from the source, or move the file to quarantine/ (chargeline repair) to open the rest"))
    }

    /// Where the index lies and what the footer counts (after the footer's checks), for
    /// `SegmentVerifier`.
    package func footerSummary() throws -> (indexOffset: Int, indexLength: Int, series: Int, blocks: Int, version: UInt16) {
        lock.lock(); defer { lock.unlock() }
        let f = try footerLocked().footer
        return (f.indexOffset, f.indexLength, f.series, f.blocks, f.version)
    }

    /// Reads, checks and parses the index: the keys and the sections of `fields` (all when
    /// nil), keeping the sections already loaded. Called under `lock`.
    private func parseFlatLocked(fields: Set<String>?) throws -> FlatSegmentIndex {
        let (fd, f) = try footerLocked()
        let directory = try directoryLocked(fd, f)
        func load(_ s: SegmentSections.Section, _ what: String) throws -> [UInt8] {
            try FileIO.withMappedBytes(fd, offset: f.indexOffset + s.offset, count: s.stored, path: path) { stored in
                guard CRC32C.checksum(stored) == s.crc else { throw corrupt("\(what) checksum mismatch", at: f.indexOffset + s.offset) }
                return s.compressed ? try decompress(stored, length: s.raw, what: what, at: f.indexOffset + s.offset) : [UInt8](stored)
            }
        }
        var loaded = flat?.loadedSectionBytes ?? [:]
        let keys = try flat?.keyBytes ?? load(directory.keys, "keys section")
        let missing = directory.sections(for: fields).filter { loaded[$0] == nil }
        // The timestamp blocks the field sections' metas name: read when fields are loaded.
        let timestamps = missing.allSatisfy({ directory.fields[$0].ownTimes }) ? [] : try load(directory.timestamps, "timestamps section").withUnsafeBytes {
            SegmentSections.timestampBlocks($0)
        }
        for i in missing {
            let field = directory.fields[i], what = "field section \"\(field.name)\""
            loaded[i] = try load(field.section, what).withUnsafeBytes { stored in
                try SegmentSections.rows(stored, entries: field.entries, blocks: field.blocks, statistics: field.statistics,
                                         ownTimes: field.ownTimes, timestamps: timestamps) { corrupt("\(what): \($0)", at: f.indexOffset + field.section.offset) }
            }
        }
        return try FlatSegmentIndex(keys: keys, directory: directory, loaded: loaded) { what, at in corrupt(what, at: f.indexOffset + at) }
    }

    /// One zstd frame -> its `length` bytes (an index, or a section of one).
    private func decompress(_ frame: UnsafeRawBufferPointer, length: Int, what: String, at offset: Int) throws -> [UInt8] {
        guard length <= SegmentFormat.maxIndexBytes else {
            throw corrupt("\(what) declares \(length) bytes, above the \(SegmentFormat.maxIndexBytes) limit", at: offset)
        }
        do {
            // Not zero-filled first: a rollup day's index was ~72 MB, and zstd writes every
            // byte (`decompress` fails unless it produced exactly `length`).
            return try [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
                FileIO.adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
                try Compressor.decompress(frame, stage: .zstd, into: UnsafeMutableRawBufferPointer(buffer))
                initialized = length
            }
        } catch {
            throw corrupt("\(what) does not decompress: \(error)", at: offset)
        }
    }

    /// Reads, verifies and decodes one block (with its timestamps).
    package func readBlock(_ meta: BlockMeta, type: FieldType) throws -> ColumnData {
        // The timestamp block precedes the value block (other fields' value blocks may lie
        // between); one read covers both.
        // Int(exactly:) and a bound well below Int.max: a damaged meta must not trap here.
        guard let start = Int(exactly: meta.timestampOffset), let offset = Int(exactly: meta.offset), start < 1 << 62, offset < 1 << 62,
              start + Int(meta.timestampLength) <= offset else {
            throw corrupt("block meta places timestamps (\(meta.timestampOffset), \(meta.timestampLength) bytes) after the values (\(meta.offset))", at: Int(clamping: meta.offset))
        }
        let end = offset + Int(meta.length)
        guard end <= info.bytes || info.bytes == 0 else {
            throw corrupt("block meta places a block (\(offset), \(meta.length) bytes) past the end of the file", at: offset)
        }
        let raw: [UInt8]
        do {
            lock.lock()
            defer { lock.unlock() }
            raw = try FileIO.pread(try openLocked(), offset: start, count: end - start, path: path)
        }
        return try raw.withUnsafeBytes { r in
            let tsBlock = try verified(UnsafeRawBufferPointer(rebasing: r[0..<Int(meta.timestampLength)]), at: start, what: "timestamp block")
            let valueBlock = try verified(UnsafeRawBufferPointer(rebasing: r[(Int(meta.offset) - start)...]), at: Int(meta.offset), what: "value block")
            return try decode(tsBlock, valueBlock, meta: meta, type: type)
        }
    }

    /// The bytes of a block without its trailing CRC-32C, after checking it.
    func verified(_ r: UnsafeRawBufferPointer, at offset: Int, what: String) throws -> UnsafeRawBufferPointer {
        guard r.count >= 4 + 2 else { throw corrupt("\(what) of \(r.count) bytes is shorter than its framing", at: offset) }
        let body = UnsafeRawBufferPointer(rebasing: r[..<(r.count - 4)])
        guard CRC32C.checksum(body) == r.loadLE(UInt32.self, at: r.count - 4) else {
            throw corrupt("\(what) checksum mismatch", at: offset)
        }
        return body
    }

    /// Rejects a block meta claiming more values than any writer puts in a block, before
    /// anything is allocated for them.
    static func checkCount(_ meta: BlockMeta, in reader: SegmentReader) throws {
        guard Int(meta.count) <= SegmentFormat.maxReadableBlockValues else {
            throw reader.corrupt("block meta claims \(meta.count) values, more than any writer puts in a block (\(SegmentFormat.maxReadableBlockValues)): the index is damaged",
                                 at: Int(clamping: meta.offset))
        }
    }

    private func decode(_ tsBlock: UnsafeRawBufferPointer, _ valueBlock: UnsafeRawBufferPointer, meta: BlockMeta, type: FieldType) throws -> ColumnData {
        let count = Int(meta.count)
        try Self.checkCount(meta, in: self)
        var data = ColumnData(type: type)
        do {
            data.timestamps.reserveCapacity(count)
            try TimestampCodec.decode(tsBlock, count: count, into: &data.timestamps)
            try Self.decodeValues(valueBlock, count: count, into: &data)
        } catch {
            throw corrupt("block does not decode: \(error)", at: Int(meta.offset))
        }
        guard data.timestamps.count == count else { throw corrupt("block decoded to \(data.timestamps.count) values, expected \(count)", at: Int(meta.offset)) }
        return data
    }

    func corrupt(_ what: String, at offset: Int) -> ChargelineError {
        ChargelineError(.corruption, "\(path): \(what) at byte \(offset); this segment's data cannot be read: restore the file from a backup")
    }
}
