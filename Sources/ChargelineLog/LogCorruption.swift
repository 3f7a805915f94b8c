package import ChargelineCore

/// What is wrong at one place of a log segment: the file, its segment id, the byte offset of
/// the record (or header) that fails and why. Scanners stop at the first one; recovery
/// truncates the last segment at `offset`.
package struct LogCorruption: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the bytes at `offset` are not a good record or header.
    package enum Problem: Sendable, Equatable {
        /// The file ends inside the record: `present` of its bytes (header included) are there.
        /// What a write cut short by a crash leaves at the end of the last segment.
        case tornTail(present: Int)
        /// The record's length field is 0 or above `LogRecord.maxPayload`: its header is damaged.
        case badLength(Int)
        /// The payload does not match the record's CRC-32C.
        case badChecksum
        /// The checksum holds but the owner does not recognise the payload (an unknown record
        /// type): treated as damage, as a checksum mismatch is.
        case unrecognizedPayload
        /// The segment header is damaged or missing: bad magic, a check that does not hold, or
        /// a file shorter than the header. `detail` says which.
        case badHeader(detail: String)
        /// An intact header of another kind of log (a spool segment where a WAL segment belongs).
        case wrongKind(found: UInt8, expected: LogKind)
        /// An intact header of this kind but a version this build does not read.
        case wrongVersion(found: UInt8, expected: UInt8)
    }

    /// The segment file.
    package var path: String
    /// The segment's id (from its file name).
    package var segment: UInt64
    /// Where the failing record or header starts, in bytes from the start of the file.
    package var offset: Int
    /// What is wrong there.
    package var problem: Problem

    /// A corruption of `problem` at `offset` of segment `segment` (file `path`).
    package init(path: String, segment: UInt64, offset: Int, problem: Problem) {
        self.path = path
        self.segment = segment
        self.offset = offset
        self.problem = problem
    }

    /// Whether the header is intact but names another kind or version: the file is not
    /// damaged, this build must not read it.
    package var isForeign: Bool {
        switch problem {
        case .wrongKind, .wrongVersion: true
        default: false
        }
    }

    /// What is wrong, without the place.
    package var what: String {
        switch problem {
        case .tornTail(let present):
            "the file ends inside the record (\(present) of its bytes present)"
        case .badLength(let n):
            "the record's length field reads \(n) (a record holds 1 to \(LogRecord.maxPayload) bytes): its header is damaged"
        case .badChecksum:
            "the record fails its checksum"
        case .unrecognizedPayload:
            "the record's checksum holds but its owner does not recognise it (unknown record type)"
        case .badHeader(let detail):
            "damaged segment header: \(detail)"
        case .wrongKind(let found, let expected):
            "the header says \(LogKind.named(found)?.description ?? "an unknown kind (byte \(found))"), not a \(expected)"
        case .wrongVersion(let found, let expected):
            "the header says version \(found); this build reads version \(expected) only"
        }
    }

    /// `<path> (segment <id>), byte <offset>: <what>`.
    package var description: String { "\(path) (segment \(segment)), byte \(offset): \(what)" }

    /// As a `ChargelineError` (`.corruption`) whose message ends with `remedy`.
    package func error(remedy: String) -> ChargelineError {
        ChargelineError(.corruption, "\(description); \(remedy)", cause: nil)
    }
}
