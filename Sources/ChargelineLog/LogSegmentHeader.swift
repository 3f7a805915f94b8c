import ChargelineCore

/// The 8 bytes at the start of every log segment (docs/format/log.md):
///
/// ```
/// ┌──────────────┬───────────┬──────────────┬─────────────┐
/// │ magic "CLLG" │ kind <u8> │ version <u8> │ check <u16> │
/// └──────────────┴───────────┴──────────────┴─────────────┘
/// ```
///
/// `version` is the kind's: it changes when the owner's records or this framing change.
/// `check` is the low 16 bits of CRC-32C over the first 6 bytes: it tells a damaged header
/// (the check fails) from an intact header of another kind or version (it holds), so a damaged
/// header can be reported as damage while another build's file is refused by name.
package struct LogSegmentHeader: Sendable, Equatable {
    /// "CLLG": Chargeline log.
    package static let magic: [UInt8] = Array("CLLG".utf8)
    /// Eight bytes: small enough that the first record starts in the first cache line, and every
    /// field fits without padding.
    package static let size = 8

    /// The owner of the segment's records.
    package var kind: LogKind
    /// The kind's format version.
    package var version: UInt8

    /// A header for segments of `kind` at `version`.
    package init(kind: LogKind, version: UInt8) {
        self.kind = kind
        self.version = version
    }

    /// The header's 8 bytes.
    package var bytes: [UInt8] {
        var out = Self.magic
        out.append(kind.rawValue)
        out.append(version)
        let check = out.withUnsafeBytes { Self.check($0) }
        out.append(UInt8(truncatingIfNeeded: check))
        out.append(UInt8(truncatingIfNeeded: check >> 8))
        return out
    }

    /// The header check over the first 6 bytes of `bytes`.
    static func check(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        UInt16(truncatingIfNeeded: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<6])))
    }

    /// Checks the header at the start of `file` (the segment's bytes, or at least its first 8)
    /// against this one. Returns nil when it is this header; else what is wrong, at offset 0:
    /// `.badHeader` (damaged: bad magic, a check that fails, or a file shorter than the header)
    /// or, when the header is intact, `.wrongKind` / `.wrongVersion`.
    package func validate(_ file: UnsafeRawBufferPointer, path: String, segment: UInt64) -> LogCorruption? {
        func corruption(_ problem: LogCorruption.Problem) -> LogCorruption {
            LogCorruption(path: path, segment: segment, offset: 0, problem: problem)
        }
        guard file.count >= Self.size else {
            return corruption(.badHeader(detail: "the file is \(file.count) bytes, shorter than the \(Self.size)-byte header"))
        }
        guard file.prefix(4).elementsEqual(Self.magic) else {
            return corruption(.badHeader(detail: "bytes 0-3 are not the magic \"CLLG\""))
        }
        let stored = UInt16(file[6]) | UInt16(file[7]) << 8
        guard stored == Self.check(file) else {
            return corruption(.badHeader(detail: "the header check (bytes 6-7) does not match bytes 0-5"))
        }
        guard file[4] == kind.rawValue else { return corruption(.wrongKind(found: file[4], expected: kind)) }
        guard file[5] == version else { return corruption(.wrongVersion(found: file[5], expected: version)) }
        return nil
    }
}
