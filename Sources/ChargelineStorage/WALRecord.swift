import ChargelineCore

/// The byte layout of WAL segment files and their records (docs/format/wal.md).
///
/// ```
/// segment header (16 bytes):
/// ┌───────────────┬──────────────┬─────────────┬──────────────────┐
/// │ magic "CLWL"  │ version <u16>│ flags <u16> │ segment id <u64> │
/// └───────────────┴──────────────┴─────────────┴──────────────────┘
/// record:
/// ┌──────────────┬──────────────┬───────────┬───────────────────┐
/// │ len <u32>    │ crc <u32>    │ type <u8> │ payload <len>     │
/// └──────────────┴──────────────┴───────────┴───────────────────┘
/// ```
/// `crc` is CRC-32C over `type` and `payload`. Type 1: the payload is a `WriteBatch`'s bytes;
/// type 2: a `Tombstone` as JSON.
package enum WALRecord {
    package static let magic: [UInt8] = Array("CLWL".utf8)
    package static let version: UInt16 = 1
    package static let segmentHeaderSize = 16
    package static let recordHeaderSize = 9
    /// Largest payload accepted on replay: 1 GiB, far above any batch the server accepts
    /// (the HTTP body limit is 25 MB), so a larger length means a damaged header.
    package static let maxPayload = 1 << 30

    /// Record types. Never renumber.
    package enum Kind: UInt8 {
        /// Payload: `WriteBatch.bytes`.
        case writeBatch = 1
        /// Payload: a `Tombstone` as JSON (a delete).
        case tombstone = 2
    }

    /// The segment file header for `id`.
    package static func segmentHeader(id: UInt64) -> [UInt8] {
        var out = magic
        append(&out, version)
        append(&out, UInt16(0))
        append(&out, id)
        return out
    }

    /// Appends one encoded record to `out`.
    package static func append(kind: Kind, payload: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        append(kind: kind, payload: payload, checksum: checksum(kind: kind, payload: payload), to: &out)
    }

    /// The record's `crc`: CRC-32C over `kind` and `payload`. Separate from `append` so a
    /// writer can compute it before taking the lock that orders records.
    package static func checksum(kind: Kind, payload: UnsafeRawBufferPointer) -> UInt32 {
        let crc = withUnsafeBytes(of: kind.rawValue) { CRC32C.checksum($0) }
        return CRC32C.checksum(payload, continuing: crc)
    }

    /// Appends one encoded record to `out` whose `crc` is `checksum(kind:payload:)`.
    package static func append(kind: Kind, payload: UnsafeRawBufferPointer, checksum crc: UInt32, to out: inout [UInt8]) {
        append(&out, UInt32(payload.count))
        append(&out, crc)
        out.append(kind.rawValue)
        out.append(contentsOf: payload)
    }

    @inline(__always)
    static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
}
