/// The first-stage encoding of a block, as recorded in byte 0 of every block.
///
/// Values are unique across all codecs so a block is self-describing: a decoder can tell a
/// float block from a timestamp block, and `inspect` can name any block. The raw value is on
/// disk: never renumber or reuse a case; new encodings take new values. The high nibble groups
/// encodings by codec (0x0_ timestamps, 0x1_ floats, 0x2_ integers, 0x3_ booleans,
/// 0x4_ strings); 0x00 is the empty block every codec writes for zero values.
public enum BlockEncoding: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Zero values; no payload. Written by every codec for an empty input.
    case empty = 0x00
    /// Timestamps `first + i * stride` (covers single-value blocks with stride 0).
    case timestampConstantStride = 0x01
    /// Timestamps as delta-of-delta of decimal-scaled deltas, zig-zag varints.
    case timestampDeltaOfDelta = 0x02
    /// Timestamps as decimal-scaled deltas, zig-zag varints (irregular sampling).
    case timestampDelta = 0x03
    /// Timestamps in decimal units minus a constant stride, through ``ResidualStream``
    /// (jittered regular sampling: the jitter, bit-packed or entropy coded).
    case timestampResidual = 0x04
    /// Floats that all share one bit pattern.
    case floatConstant = 0x10
    /// Floats as a Gorilla XOR bit stream.
    case floatXOR = 0x11
    /// Floats as raw little-endian bit patterns.
    case floatRaw = 0x12
    /// Decimal floats `d / 10^e` with `d` through ``ResidualStream``, plus exceptions (ALP-style).
    case floatDecimal = 0x13
    /// Integers that are all equal.
    case integerConstant = 0x20
    /// Integers as zig-zag varint deltas (wrapping).
    case integerDelta = 0x21
    /// Integers as raw little-endian words.
    case integerRaw = 0x22
    /// Integers as runs: (zig-zag varint delta of the run value, uvarint run length).
    case integerRunLength = 0x23
    /// Integers through ``ResidualStream`` (predictor order 0-2, bit-packed or rANS).
    case integerResidual = 0x24
    /// Integers that are all multiples of 10^k (k ≥ 1): k, then the quotients through
    /// ``ResidualStream`` (durations in nanoseconds of millisecond-aligned samples).
    case integerDecimal = 0x25
    /// Booleans as a bitmap, least significant bit first.
    case booleanBitmap = 0x30
    /// Booleans that are all equal.
    case booleanConstant = 0x31
    /// Strings as uvarint lengths followed by the concatenated bytes.
    case stringPlain = 0x40
    /// Strings as a dictionary of distinct values and bit-packed indexes.
    case stringDictionary = 0x41

    /// The codec a block encoding belongs to.
    package enum Family: Sendable, CustomStringConvertible {
        case any, timestamp, float, integer, boolean, string
        package var description: String {
            switch self {
            case .any: "any"
            case .timestamp: "timestamp"
            case .float: "float"
            case .integer: "integer"
            case .boolean: "boolean"
            case .string: "string"
            }
        }
    }

    /// The codec that writes this encoding (`.any` for ``empty``).
    package var family: Family {
        switch rawValue >> 4 {
        case _ where self == .empty: .any
        case 0x0: .timestamp
        case 0x1: .float
        case 0x2: .integer
        case 0x3: .boolean
        default: .string
        }
    }

    /// A short stable name, e.g. `float-xor`, used by `inspect` and error messages.
    public var name: String {
        switch self {
        case .empty: "empty"
        case .timestampConstantStride: "ts-constant-stride"
        case .timestampDeltaOfDelta: "ts-delta-of-delta"
        case .timestampDelta: "ts-delta"
        case .timestampResidual: "ts-residual"
        case .floatDecimal: "float-decimal"
        case .integerResidual: "int-residual"
        case .integerDecimal: "int-decimal"
        case .floatConstant: "float-constant"
        case .floatXOR: "float-xor"
        case .floatRaw: "float-raw"
        case .integerConstant: "int-constant"
        case .integerDelta: "int-delta-zigzag-varint"
        case .integerRaw: "int-raw"
        case .integerRunLength: "int-run-length"
        case .booleanBitmap: "bool-bitmap"
        case .booleanConstant: "bool-constant"
        case .stringPlain: "string-plain"
        case .stringDictionary: "string-dictionary"
        }
    }

    public var description: String { name }
}
