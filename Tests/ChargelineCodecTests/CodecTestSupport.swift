import Testing
@testable import ChargelineCodec
import ChargelineTestSupport

/// Shared helpers: encode into a fresh buffer, decode into a fresh array, hex dumps.
enum Support {
    /// Every option set, so each round trip also exercises the second stages.
    static let allOptions: [CodecOptions] = [.uncompressed, .fast, .compact]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func encodeTimestamps(_ v: [Int64], _ options: CodecOptions = .uncompressed) -> [UInt8] {
        var out: [UInt8] = []
        v.withUnsafeBufferPointer { TimestampCodec.encode($0, options: options, into: &out) }
        return out
    }

    static func decodeTimestamps(_ block: [UInt8], count: Int) throws -> [Int64] {
        var out: [Int64] = []
        try block.withUnsafeBytes { try TimestampCodec.decode($0, count: count, into: &out) }
        return out
    }

    static func encodeFloats(_ v: [Double], _ options: CodecOptions = .uncompressed) -> [UInt8] {
        var out: [UInt8] = []
        v.withUnsafeBufferPointer { FloatCodec.encode($0, options: options, into: &out) }
        return out
    }

    static func decodeFloats(_ block: [UInt8], count: Int) throws -> [Double] {
        var out: [Double] = []
        try block.withUnsafeBytes { try FloatCodec.decode($0, count: count, into: &out) }
        // `decodeBits` (what storage calls) gives the same bit patterns, after a prefix.
        var bits: [UInt64] = [42]
        try block.withUnsafeBytes { try FloatCodec.decodeBits($0, count: count, into: &bits) }
        #expect(bits == [42] + out.map(\.bitPattern))
        return out
    }

    static func encodeIntegers(_ v: [Int64], _ options: CodecOptions = .uncompressed) -> [UInt8] {
        var out: [UInt8] = []
        v.withUnsafeBufferPointer { IntegerCodec.encode($0, options: options, into: &out) }
        return out
    }

    static func decodeIntegers(_ block: [UInt8], count: Int) throws -> [Int64] {
        var out: [Int64] = []
        try block.withUnsafeBytes { try IntegerCodec.decode($0, count: count, into: &out) }
        // `decodeBits` (what storage calls) gives the same bit patterns, after a prefix.
        var bits: [UInt64] = [42]
        try block.withUnsafeBytes { try IntegerCodec.decodeBits($0, count: count, into: &bits) }
        #expect(bits == [42] + out.map { UInt64(bitPattern: $0) })
        return out
    }

    static func encodeBooleans(_ v: [Bool], _ options: CodecOptions = .uncompressed) -> [UInt8] {
        var out: [UInt8] = []
        v.withUnsafeBufferPointer { BooleanCodec.encode($0, options: options, into: &out) }
        return out
    }

    static func decodeBooleans(_ block: [UInt8], count: Int) throws -> [Bool] {
        var out: [Bool] = []
        try block.withUnsafeBytes { try BooleanCodec.decode($0, count: count, into: &out) }
        return out
    }

    static func encodeStrings(_ v: StringColumn, _ options: CodecOptions = .uncompressed) -> [UInt8] {
        var out: [UInt8] = []
        StringCodec.encode(v, options: options, into: &out)
        return out
    }

    static func decodeStrings(_ block: [UInt8], count: Int) throws -> StringColumn {
        var out = StringColumn()
        try block.withUnsafeBytes { try StringCodec.decode($0, count: count, into: &out) }
        return out
    }

    static func encoding(_ block: [UInt8]) -> BlockEncoding? {
        block.withUnsafeBytes { BlockDescription.encoding(of: $0) }
    }

    static func stage(_ block: [UInt8]) -> SecondStage? {
        block.withUnsafeBytes { BlockDescription.secondStage(of: $0) }
    }

    /// Runs every decoder on `block` with `count`: each must throw or return `count` values.
    /// Returns how many decoders accepted it.
    @discardableResult
    static func feedAllDecoders(_ block: [UInt8], count: Int) -> Int {
        var accepted = 0
        if let v = try? decodeTimestamps(block, count: count) { precondition(v.count == count); accepted += 1 }
        if let v = try? decodeFloats(block, count: count) { precondition(v.count == count); accepted += 1 }
        if let v = try? decodeIntegers(block, count: count) { precondition(v.count == count); accepted += 1 }
        if let v = try? decodeBooleans(block, count: count) { precondition(v.count == count); accepted += 1 }
        if let v = try? decodeStrings(block, count: count) { precondition(v.count == count); accepted += 1 }
        _ = block.withUnsafeBytes { BlockDescription.describe($0) }
        return accepted
    }
}

/// Realistic telemetry shapes shared by the tests (the benchmarks have their own copy).
enum Telemetry {
    /// Timestamps every 10 s with ±1 s jitter, in nanoseconds (whole seconds).
    static func timestamps(_ n: Int, rng: inout SplitMix64) -> [Int64] {
        var t: Int64 = 1_700_000_000_000_000_000
        return (0..<n).map { _ in
            defer { t += 10_000_000_000 + Int64.random(in: -1...1, using: &rng) * 1_000_000_000 }
            return t
        }
    }

    /// Voltage 380.0...750.0 V at 0.1 V resolution, slowly varying.
    static func voltage(_ n: Int, rng: inout SplitMix64) -> [Double] {
        var tenths = 4000
        return (0..<n).map { _ in
            tenths = min(7500, max(3800, tenths + Int.random(in: -3...3, using: &rng)))
            return Double(tenths) / 10
        }
    }

    /// A status code that changes rarely.
    static func status(_ n: Int, rng: inout SplitMix64) -> [Int64] {
        var s: Int64 = 2
        return (0..<n).map { _ in
            if Int.random(in: 0..<500, using: &rng) == 0 { s = Int64.random(in: 0...6, using: &rng) }
            return s
        }
    }
}
