import ChargelineCore
import Foundation
package import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A gateway's bounded on-disk queue of line-protocol batches waiting for the storage node.
/// Every batch a gateway decodes is appended here first and forwarded from here in order, so
/// a slow or stopped node costs disk, never data; a gateway restart resumes where it was.
///
/// Directory layout (one directory per gateway process, locked with `flock` so two
/// processes never share one):
///
/// ```
/// spool.lock
/// cursor                      "<segment> <offset>\n": the first byte not yet acknowledged
/// 00000000000000000001.spool  segments of records, rolled at `segmentBytes`
/// ```
///
/// Segment: the 8-byte magic `CLSPOOL1`, then records:
///
/// ```
/// ┌─────────────┬──────────────┬────────────┬────────┬─────────────────────────┐
/// │ len <u32 LE>│ crc32c <u32> │ dbLen <u8> │ db     │ line protocol (len-1-dbLen) │
/// └─────────────┴──────────────┴────────────┴────────┴─────────────────────────┘
///   len counts the bytes after the crc; the crc covers them.
/// ```
///
/// Durability: an append is one `pwrite` (so it survives the gateway process dying the
/// moment after); segments are `fdatasync`ed when they roll and every `syncIntervalSeconds`
/// by the forwarder, so a power loss costs at most that interval. A torn or corrupt record
/// (power loss mid-write) ends its segment: the reader logs it and moves to the next segment.
///
/// Bounded: when the segments hold `maxBytes`, appends fail (the caller counts the batch as
/// dropped and logs it) until the forwarder frees space.
package final class GatewaySpool: @unchecked Sendable {
    static let magic: [UInt8] = Array("CLSPOOL1".utf8)
    /// 8 MiB segments: small enough that a forwarded one is deleted soon, large enough that
    /// rolling (an fdatasync and a create) is rare.
    static let segmentBytes = 8 << 20

    let directory: String
    let maxBytes: Int
    private let lock = NSCondition()
    private let logger: Logger
    private let lockFD: Int32
    /// Committed size of each segment on disk, by sequence number.
    private var sizes: [UInt64: Int] = [:]
    private var writeSeq: UInt64 = 0
    private var writeFD: Int32 = -1
    private var totalBytes = 0
    private var closed = false
    private var unsynced = false
    /// The first byte not yet acknowledged.
    private(set) var cursor: (segment: UInt64, offset: Int)
    /// When records were appended, sampled: (position of a record, wall-clock seconds it was
    /// appended), in spool order, at most one per `markSeconds` (one per second of a node
    /// outage: 86,400 a day), so the age of the oldest pending record is known to within
    /// that, without a timestamp in the record format. Trimmed on acknowledgement.
    private var marks: [(segment: UInt64, offset: Int, time: Double)] = []
    private var firstMark = 0
    /// The sampling interval of `marks` (seconds): the precision of `oldestPendingSeconds`.
    static let markSeconds = 1.0
    private let clock: @Sendable () -> Double

    /// Opens (or creates) the spool in `directory`.
    /// - Throws: `ChargelineError` when the directory cannot be used or another process holds it.
    package init(directory: String, maxBytes: Int, logger: Logger,
                 clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.logger = logger
        self.clock = clock
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lockFD = open(directory + "/spool.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw Self.ioError("open", directory + "/spool.lock") }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(lockFD)
            throw ChargelineError(.io, "spool \(directory) is in use by another gateway process; give each gateway its own --spool directory")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var modified: [UInt64: Double] = [:]
        for name in names where name.hasSuffix(".spool") {
            guard let seq = UInt64(name.dropLast(6)) else { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)
            let size = attributes?[.size] as? Int ?? 0
            sizes[seq] = size
            totalBytes += size
            modified[seq] = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970
        }
        cursor = (sizes.keys.min() ?? 1, 0)
        if let text = try? String(contentsOfFile: directory + "/cursor", encoding: .utf8) {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
            if parts.count == 2, let s = UInt64(parts[0]), let o = Int(parts[1]) { cursor = (s, o) }
        }
        // Segments wholly before the cursor were forwarded before the last stop.
        for seq in sizes.keys where seq < cursor.segment { removeSegment(seq) }
        if sizes[cursor.segment] == nil, let first = sizes.keys.min() { cursor = (first, 0) }
        // Records spooled before a restart carry no time: date each older segment's records
        // by the segment file's last write (so their age is known to within a segment's span).
        for seq in sizes.keys.sorted() where seq >= cursor.segment {
            if let time = modified[seq] { marks.append((seq, 0, time)) }
        }
        // Never append after a possibly torn tail: always write into a fresh segment.
        writeSeq = (sizes.keys.max() ?? 0) + 1
        try openWriteSegment()
        let pending = totalBytes - Self.magic.count
        if pending > sizes.count * Self.magic.count {
            logger.notice("spool has data from before the restart; forwarding it first", metadata: [
                "spool": "\(directory)", "bytes": "\(totalBytes)", "segments": "\(sizes.count)",
            ])
        }
    }

    deinit {
        if writeFD >= 0 { Glibc.close(writeFD) }
        Glibc.close(lockFD)
    }

    private static func ioError(_ what: String, _ path: String) -> ChargelineError {
        ChargelineError(.io, "spool: \(what) \(path) failed: \(String(cString: strerror(errno))); check the disk and permissions")
    }

    private func path(_ seq: UInt64) -> String {
        let digits = String(seq)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".spool"
    }

    private func openWriteSegment() throws {
        let p = path(writeSeq)
        let fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.ioError("create", p) }
        let n = Self.magic.withUnsafeBytes { pwrite(fd, $0.baseAddress!, $0.count, 0) }
        guard n == Self.magic.count else { Glibc.close(fd); throw Self.ioError("write", p) }
        writeFD = fd
        sizes[writeSeq] = Self.magic.count
        totalBytes += Self.magic.count
        if cursor.offset == 0 && sizes.count == 1 { cursor = (writeSeq, 0) }
    }

    private func removeSegment(_ seq: UInt64) {
        guard let size = sizes.removeValue(forKey: seq) else { return }
        totalBytes -= size
        unlink(path(seq))
    }

    /// Bytes waiting to be forwarded (excluding segment headers).
    package var pendingBytes: Int {
        lock.lock()
        defer { lock.unlock() }
        var n = 0
        for (seq, size) in sizes where seq >= cursor.segment {
            n += size - (seq == cursor.segment ? max(cursor.offset, Self.magic.count) : Self.magic.count)
        }
        return n
    }

    /// Seconds since the oldest record not yet acknowledged was appended (0 when nothing is
    /// pending), to within `markSeconds`: `chargeline_spool_oldest_seconds`. For records spooled
    /// before a restart, counted from their segment file's last write.
    package var oldestPendingSeconds: Double {
        lock.lock()
        defer { lock.unlock() }
        guard hasPending else { return 0 }
        // The last mark at or before the cursor dates the record there (appended no earlier).
        var i = firstMark
        while i + 1 < marks.count && !Self.isAfter(marks[i + 1], cursor) { i += 1 }
        guard i < marks.count else { return 0 }
        return max(0, clock() - marks[i].time)
    }

    /// Whether a mark lies after `position` in spool order.
    private static func isAfter(_ mark: (segment: UInt64, offset: Int, time: Double),
                                _ position: (segment: UInt64, offset: Int)) -> Bool {
        mark.segment > position.segment || (mark.segment == position.segment && mark.offset > position.offset)
    }

    /// Whether any record waits past the cursor (under `lock`).
    private var hasPending: Bool {
        for (seq, size) in sizes where seq >= cursor.segment {
            if size > (seq == cursor.segment ? max(cursor.offset, Self.magic.count) : Self.magic.count) { return true }
        }
        return false
    }

    /// Appends one batch of line protocol for `database`.
    /// - Throws: `ChargelineError` `.limit` when the spool is full, `.io` when the disk fails.
    func append(database: String, lineProtocol: [UInt8]) throws {
        let db = Array(database.utf8)
        var record = [UInt8](repeating: 0, count: 8)
        record.reserveCapacity(9 + db.count + lineProtocol.count)
        record.append(UInt8(db.count))
        record += db
        record += lineProtocol
        let len = UInt32(record.count - 8)
        let crc = record.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[8...])) }
        withUnsafeBytes(of: len.littleEndian) { record.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: crc.littleEndian) { record.replaceSubrange(4..<8, with: $0) }

        lock.lock()
        defer { lock.unlock() }
        guard !closed else { throw ChargelineError(.closed, "spool \(directory) is closed") }
        // Acknowledged bytes of the cursor's segment still sit on disk until it is deleted,
        // but they no longer count against the bound.
        let acknowledged = sizes[cursor.segment] != nil ? cursor.offset : 0
        guard totalBytes - acknowledged + record.count <= maxBytes else {
            throw ChargelineError(.limit, "spool \(directory) is full (\(maxBytes) bytes): the storage node has been "
                                  + "unreachable too long; raise --spool-max-bytes or bring the node back")
        }
        if sizes[writeSeq]! + record.count > Self.segmentBytes && sizes[writeSeq]! > Self.magic.count {
            fdatasync(writeFD)
            Glibc.close(writeFD)
            writeFD = -1
            writeSeq += 1
            try openWriteSegment()
        }
        let at = sizes[writeSeq]!
        let n = record.withUnsafeBytes { pwrite(writeFD, $0.baseAddress!, $0.count, off_t(at)) }
        guard n == record.count else { throw Self.ioError("write", path(writeSeq)) }
        let now = clock()
        if firstMark == marks.count || now - marks[marks.count - 1].time >= Self.markSeconds {
            marks.append((writeSeq, at, now))
        }
        sizes[writeSeq] = at + record.count
        totalBytes += record.count
        unsynced = true
        lock.signal()
    }

    /// Syncs the segment being written if anything was appended since the last sync.
    func sync() {
        lock.lock()
        let fd = unsynced ? writeFD : -1
        unsynced = false
        lock.unlock()
        if fd >= 0 { fdatasync(fd) }
    }

    /// One record read for forwarding.
    struct Record {
        var database: String
        var lineProtocol: ArraySlice<UInt8>
        /// Where the record after this one starts.
        var next: (segment: UInt64, offset: Int)
    }

    /// Reads records from the cursor, up to about `maxBytes` of line protocol, waiting up to
    /// `timeout` seconds for the first one. Does not move the cursor (see `acknowledge`).
    func read(maxBytes: Int, timeout: Double) -> [Record] {
        lock.lock()
        defer { lock.unlock() }
        var position = cursor
        var out: [Record] = []
        var bytes = 0
        let deadline = Date().addingTimeInterval(timeout)
        while bytes < maxBytes && !closed {
            if position.offset < Self.magic.count { position.offset = Self.magic.count }
            guard let size = sizes[position.segment] else {
                // The cursor's segment is gone (deleted after acknowledgement): jump ahead.
                guard let nextSeq = sizes.keys.filter({ $0 > position.segment }).min() else { break }
                position = (nextSeq, 0)
                continue
            }
            if position.offset >= size {
                if position.segment < writeSeq {
                    position = (sizes.keys.filter { $0 > position.segment }.min() ?? writeSeq, 0)
                    continue
                }
                if out.isEmpty && Date() < deadline {
                    _ = lock.wait(until: deadline)
                    continue
                }
                break
            }
            guard let record = readRecord(position.segment, at: position.offset, size: size) else {
                logger.error("spool: corrupt or torn record, skipping the rest of the segment", metadata: [
                    "segment": "\(path(position.segment))", "offset": "\(position.offset)",
                ])
                if position.segment < writeSeq {
                    position = (sizes.keys.filter { $0 > position.segment }.min() ?? writeSeq, 0)
                    out.append(Record(database: "", lineProtocol: [], next: position))
                    continue
                }
                break
            }
            bytes += record.lineProtocol.count
            out.append(record)
            position = record.next
        }
        return out
    }

    private func readRecord(_ seq: UInt64, at offset: Int, size: Int) -> Record? {
        guard size - offset >= 8 else { return nil }
        let fd = open(path(seq), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var header = [UInt8](repeating: 0, count: 8)
        guard header.withUnsafeMutableBytes({ pread(fd, $0.baseAddress!, 8, off_t(offset)) }) == 8 else { return nil }
        let len = header.withUnsafeBytes { Int($0.loadLE(UInt32.self, at: 0)) }
        let crc = header.withUnsafeBytes { $0.loadLE(UInt32.self, at: 4) }
        guard len >= 1, offset + 8 + len <= size else { return nil }
        var body = [UInt8](repeating: 0, count: len)
        guard body.withUnsafeMutableBytes({ pread(fd, $0.baseAddress!, len, off_t(offset + 8)) }) == len else { return nil }
        guard body.withUnsafeBytes({ CRC32C.checksum($0) }) == crc else { return nil }
        let dbLen = Int(body[0])
        guard 1 + dbLen <= len else { return nil }
        return Record(database: String(decoding: body[1..<(1 + dbLen)], as: UTF8.self), lineProtocol: body[(1 + dbLen)...],
                      next: (seq, offset + 8 + len))
    }

    /// Marks everything before `position` forwarded: persists the cursor and deletes
    /// segments wholly before it.
    func acknowledge(through position: (segment: UInt64, offset: Int)) {
        lock.lock()
        cursor = position
        for seq in sizes.keys where seq < position.segment { removeSegment(seq) }
        // Keep the last mark at or before the cursor: it dates the next pending record.
        while firstMark + 1 < marks.count && !Self.isAfter(marks[firstMark + 1], position) { firstMark += 1 }
        if firstMark > 1024 && firstMark * 2 > marks.count {
            marks.removeFirst(firstMark)
            firstMark = 0
        }
        lock.unlock()
        let tmp = directory + "/cursor.tmp"
        let text = "\(position.segment) \(position.offset)\n"
        if (try? text.write(toFile: tmp, atomically: false, encoding: .utf8)) != nil {
            rename(tmp, directory + "/cursor")
        }
    }

    /// Syncs and closes; readers waiting return.
    package func close() {
        lock.lock()
        closed = true
        if writeFD >= 0 { fdatasync(writeFD) }
        lock.broadcast()
        lock.unlock()
    }
}
