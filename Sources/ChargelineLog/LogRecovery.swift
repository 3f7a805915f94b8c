import ChargelineCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recovery of a log after a crash: the last segment is cut at its first bad record.
///
/// Why only the last: a crash can tear only the record being written, and only the newest
/// segment is written to. A bad record in an earlier segment, or one with intact records after
/// it, is damage to bytes that were once whole (acknowledged data): it is reported, never cut
/// away silently. What an owner does with it is the owner's rule (the WAL scans on to the next
/// intact record and keeps the file in quarantine; the spool forwards what precedes it and
/// moves to the next segment); both log a `LogCorruption` naming file, segment and offset.
package enum LogRecovery {
    /// What recovering a last segment found.
    package struct Outcome: Sendable, Equatable {
        /// Intact records before the first bad one (or all of them).
        package var records: Int
        /// The first bad record, nil when the segment is clean.
        package var corruption: LogCorruption?
        /// Bytes cut off the end (0 when clean).
        package var truncatedBytes: Int
    }

    /// Checks the last segment of a log (`path`, id `segment`) written with `header` and, when a
    /// record is bad, truncates the file at it (and syncs). `accepting` as in `LogScanner.next`.
    ///
    /// - Throws: the header's `LogCorruption` as a `.corruption` error when the header is
    ///   damaged, of another kind or of another version (nothing is cut: the file may not be
    ///   this log's); `.io` when the file cannot be read or cut.
    package static func recoverLastSegment(path: String, segment: UInt64, header: LogSegmentHeader,
                                           accepting: (UnsafeRawBufferPointer) -> Bool = { _ in true }) throws -> Outcome {
        let bytes = try LogFile.readAll(path)
        return try bytes.withUnsafeBytes { raw in
            if let bad = header.validate(raw, path: path, segment: segment) {
                throw bad.error(remedy: "nothing was cut; move the file out of the log's folder if it is not this log's")
            }
            var scanner = LogScanner(raw, path: path, segment: segment)
            var records = 0
            var stop: LogCorruption?
            do throws(LogCorruption) {
                while try scanner.next(accepting: accepting) != nil { records += 1 }
            } catch {
                stop = error
            }
            guard let stop else { return Outcome(records: records, corruption: nil, truncatedBytes: 0) }
            try truncate(path, to: stop.offset)
            return Outcome(records: records, corruption: stop, truncatedBytes: raw.count - stop.offset)
        }
    }

    /// Truncates the file at `path` to `size` bytes and syncs it.
    /// - Throws: `.io` naming the file when it cannot be opened, cut or synced.
    package static func truncate(_ path: String, to size: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogFile.ioError("open", path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw LogFile.ioError("truncate", path) }
        guard fsync(fd) == 0 else { throw LogFile.ioError("fsync", path) }
    }
}

/// The little file I/O the log module needs of its own (it depends on nothing but Core).
enum LogFile {
    /// The whole file.
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ioError("open", path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ioError("stat", path) }
        var out = [UInt8](repeating: 0, count: Int(st.st_size))
        var done = 0
        while done < out.count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw ioError("read", path) }
            if n == 0 { out.removeLast(out.count - done); break }
            done += n
        }
        return out
    }

    static func ioError(_ what: String, _ path: String) -> ChargelineError {
        let code = errno
        return ChargelineError(.io, "\(what) \(path) failed: \(String(cString: strerror(code))) (errno \(code)); check the disk and the file's permissions")
    }
}
