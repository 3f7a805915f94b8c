package import ChargelineLog

/// The WAL's records inside the shared log format (ChargelineLog; docs/format/wal.md): segment
/// files of kind `W`, version 2; each record's payload is a type byte, then the type's bytes.
///
/// ```
/// segment header (8 bytes, docs/format/log.md):
/// ┌──────────────┬──────────┬─────────────┬─────────────┐
/// │ magic "CLLG" │ kind 'W' │ version 2   │ check <u16> │
/// └──────────────┴──────────┴─────────────┴─────────────┘
/// record:
/// ┌───────────┬───────────┬──────────────────────────────────┐
/// │ len <u32> │ crc <u32> │ payload: type <u8>, body <len-1> │
/// └───────────┴───────────┴──────────────────────────────────┘
/// ```
/// `crc` is CRC-32C over the payload (type and body). Type 1: the body is a `WriteBatch`'s
/// bytes; type 2: a `Tombstone` as JSON.
package enum WALRecord {
    /// The WAL's version of the log format. 1 was a development format with a header of its
    /// own ("CLWL"); it is refused by name, not read.
    package static let version: UInt8 = 2
    /// The header of every WAL segment.
    package static let header = LogSegmentHeader(kind: .wal, version: version)
    /// The magic of the development format version 1, recognised only to refuse it by name.
    package static let legacyMagic: [UInt8] = Array("CLWL".utf8)
    package static let segmentHeaderSize = LogSegmentHeader.size
    /// The log framing and the type byte: the bytes of a record besides its body.
    package static let recordHeaderSize = LogRecord.headerSize + 1
    /// Largest body: the log's largest payload less the type byte.
    package static let maxPayload = LogRecord.maxPayload - 1

    /// Record types. Never renumber.
    package enum Kind: UInt8 {
        /// Payload: `WriteBatch.bytes`.
        case writeBatch = 1
        /// Payload: a `Tombstone` as JSON (a delete).
        case tombstone = 2
    }

    /// The segment file header. Every WAL segment has the same one: the id is the file's name.
    package static func segmentHeader(id: UInt64) -> [UInt8] { header.bytes }

    /// Whether a framed payload can be a WAL record (its type is known): checked before the
    /// checksum, so scanning past damage computes few checksums.
    package static func accepts(_ payload: UnsafeRawBufferPointer) -> Bool {
        !payload.isEmpty && Kind(rawValue: payload[0]) != nil
    }

    /// Appends one encoded record to `out`.
    package static func append(kind: Kind, payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        append(kind: kind, payload: payload, checksum: checksum(kind: kind, payload: payload), to: &out)
    }

    /// The record's `crc`: CRC-32C over `kind` and `payload`. Separate from `append` so a
    /// writer can compute it before taking the lock that orders records.
    @inline(__always)
    package static func checksum(kind: Kind, payload: UnsafeRawBufferPointer) -> UInt32 {
        let crc = withUnsafeBytes(of: kind.rawValue) { LogRecord.checksum($0) }
        return LogRecord.checksum(payload, continuing: crc)
    }

    /// Appends one encoded record to `out` whose `crc` is `checksum(kind:payload:)`: the log
    /// header, the type byte and the body, each appended once (no temporary copy).
    @inline(__always)
    package static func append(kind: Kind, payload: UnsafeRawBufferPointer, checksum crc: UInt32, to out: inout [UInt8]) {
        LogRecord.appendHeader(payloadLength: 1 + payload.count, checksum: crc, to: &out)
        out.append(kind.rawValue)
        out.append(contentsOf: payload)
    }
}
