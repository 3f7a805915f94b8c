#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The physical line the parser is on: its number and byte bounds within the body.
///
/// A logical line (one point) normally is one physical line; it spans several only when a
/// quoted string field value contains newlines, and then the string scanner advances the
/// cursor line by line so that line numbers and columns stay physical.
struct LineCursor {
    /// The body's first byte.
    let base: UnsafePointer<UInt8>
    /// The body's length.
    let count: Int
    /// Number of the physical line starting at `lineStart`.
    var line: Int
    /// First byte of the current physical line.
    var lineStart = 0
    /// Index of the `\n` ending the line, or `count`.
    var rawEnd = 0
    /// `rawEnd`, less one for a `\r` just before it (CRLF line ends).
    var end = 0

    init(base: UnsafePointer<UInt8>, count: Int, line: Int) {
        self.base = base
        self.count = count
        self.line = line
    }

    /// Moves to the physical line starting at `start` (keeps `line`; callers bump it).
    @inline(__always)
    mutating func enter(at start: Int) {
        lineStart = start
        rawEnd = LineCursor.newline(base, from: start, count: count)
        end = rawEnd > start && base[rawEnd - 1] == UInt8(ascii: "\r") ? rawEnd - 1 : rawEnd
    }

    /// Index of the first `\n` at or after `from`, or `count` if there is none.
    @inline(__always)
    static func newline(_ base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        guard from < count, let hit = memchr(base + from, 0x0A, count - from) else { return count }
        return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
    }
}

/// Why the current line was rejected: the byte offset of the problem and a message. Thrown
/// with typed throws, so rejecting a line costs no existential boxing.
struct LineFailure: Error {
    let offset: Int
    let message: String

    init(_ offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }
}

/// Byte-level helpers shared by the scanners.
enum Bytes {
    static let backslash = UInt8(ascii: "\\")
    static let comma = UInt8(ascii: ",")
    static let space = UInt8(ascii: " ")
    static let equals = UInt8(ascii: "=")
    static let quote = UInt8(ascii: "\"")
    static let tab = UInt8(ascii: "\t")

    /// Whitespace InfluxDB skips between sections and at the line start: space, tab, NUL.
    @inline(__always)
    static func isBlank(_ b: UInt8) -> Bool { b == space || b == tab || b == 0 }

    /// Whether `b` ends a number or boolean field value.
    @inline(__always)
    static func endsValue(_ b: UInt8) -> Bool { b == comma || b == space }

    /// How many bytes a backslash at `i` covers in a measurement, tag or field key: two when
    /// it escapes `,`, ` ` or `=`, else one (a backslash before any other byte is literal).
    @inline(__always)
    static func escapeWidth(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        guard i + 1 < end else { return 1 }
        let next = p[i + 1]
        return next == comma || next == space || next == equals ? 2 : 1
    }

    /// Appends `p[from..<to]` to `out` with the key escapes (`\,`, `\ `, `\=`) removed.
    static func appendUnescaped(_ p: UnsafePointer<UInt8>, from: Int, to: Int, into out: inout [UInt8]) {
        var i = from
        while i < to {
            if p[i] == backslash && escapeWidth(p, i, to) == 2 { i += 1 }
            out.append(p[i])
            i += 1
        }
    }

    /// Whether the `count` bytes at `a` and `b` are equal.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        count == 0 || memcmp(a, b, count) == 0
    }

    /// Bytewise order of two byte strings (shorter prefix first), like Go's `bytes.Compare`.
    @inline(__always)
    static func compare(_ a: UnsafePointer<UInt8>, _ aCount: Int, _ b: UnsafePointer<UInt8>, _ bCount: Int) -> Int {
        let common = min(aCount, bCount)
        if common <= 16 {
            // Keys and field names are short: a plain loop beats a call into memcmp.
            var k = 0
            while k < common {
                if a[k] != b[k] { return Int(a[k]) - Int(b[k]) }
                k += 1
            }
        } else {
            let c = memcmp(a, b, common)
            if c != 0 { return Int(c) }
        }
        return aCount - bCount
    }

    /// Whether the bytes at `p` are exactly the ASCII text `literal`.
    @inline(__always)
    static func isLiteral(_ p: UnsafePointer<UInt8>, _ count: Int, _ literal: StaticString) -> Bool {
        count == literal.utf8CodeUnitCount && compare(p, count, literal.utf8Start, count) == 0
    }

    /// The bytes `from..<to` as text for an error message (allocates; error path only).
    static func text(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int, limit: Int = 64) -> String {
        let cut = min(to, from + limit)
        let s = String(decoding: UnsafeBufferPointer(start: p + from, count: max(0, cut - from)), as: UTF8.self)
        return cut < to ? s + "…" : s
    }
}
