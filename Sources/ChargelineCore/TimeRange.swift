/// A half-open range of nanosecond timestamps `[start, end)`.
public struct TimeRange: Sendable, Hashable, CustomStringConvertible {
    public var start: Int64
    public var end: Int64

    /// Everything representable.
    public static let all = TimeRange(start: .min, end: .max)

    public init(start: Int64, end: Int64) {
        self.start = start
        self.end = end
    }

    /// Whether `t` lies inside the range.
    @inlinable public func contains(_ t: Int64) -> Bool { t >= start && t < end }

    /// Whether the closed interval `[minTime, maxTime]` intersects this range.
    @inlinable public func overlaps(minTime: Int64, maxTime: Int64) -> Bool {
        maxTime >= start && minTime < end
    }

    public var description: String { "[\(start), \(end))" }
}
