public import ChargelineCore
public import Foundation

/// One local calendar day: its label and its `[start, end)` in ns, in a given time zone.
/// Days are 23 or 25 hours long across daylight-saving changes; `hourCount` follows.
public struct ReportDay: Sendable, Equatable {
    /// `YYYY-MM-DD`.
    public let date: String
    public let start: Int64
    public let end: Int64

    /// Number of (possibly partial) hour buckets from `start`.
    public var hourCount: Int { Int((end - start + 3_599_999_999_999) / 3_600_000_000_000) }

    public init(date: String, start: Int64, end: Int64) {
        self.date = date
        self.start = start
        self.end = end
    }

    /// The days from `from` through `to` (inclusive, `YYYY-MM-DD`) in `timeZone`.
    /// - Throws: `ReportError` when a date does not parse or `to` precedes `from`.
    public static func days(from: String, to: String? = nil, timeZone: TimeZone) throws -> [ReportDay] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let first = try parse(from, calendar)
        let last = try parse(to ?? from, calendar)
        guard last >= first else {
            throw ReportError("--to \(to ?? "") is before --date \(from); give the first day with --date and the last with --to")
        }
        // Checked before any day is built: a report's cost grows with its days (a request for
        // 2023-11-14 to 2203-11-15 ran for minutes before this limit).
        let span = (calendar.dateComponents([.day], from: first, to: last).day ?? Int.max) + 1
        guard span <= maxDays else {
            throw ReportError("--date \(from) to --to \(to ?? from) is \(span) days; a report covers at most \(maxDays) days (a year): ask for a year or less at a time")
        }
        var out: [ReportDay] = []
        var day = first
        let formatter = formatter(calendar)
        while day <= last {
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else {
                preconditionFailure("BUG: calendar cannot add a day to \(day)")
            }
            out.append(ReportDay(date: formatter.string(from: day), start: try nanoseconds(day), end: try nanoseconds(next)))
            day = next
        }
        return out
    }

    /// The local days that overlap `range` (ns), in order.
    public static func covering(_ range: TimeRange, timeZone: TimeZone) throws -> [ReportDay] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Whole milliseconds (floored): a Double of seconds cannot hold nanoseconds exactly.
        func date(_ ns: Int64) -> Date {
            let ms = ns >= 0 ? ns / 1_000_000 : (ns + 1) / 1_000_000 - 1
            return Date(timeIntervalSince1970: Double(ms) / 1000)
        }
        let first = calendar.startOfDay(for: date(range.start))
        let last = calendar.startOfDay(for: date(range.end - 1))
        let f = formatter(calendar)
        return try days(from: f.string(from: first), to: f.string(from: last), timeZone: timeZone)
    }

    /// The next local day.
    public func following(timeZone: TimeZone) throws -> ReportDay {
        try Self.covering(TimeRange(start: end, end: end + 1), timeZone: timeZone)[0]
    }

    /// The previous local day.
    public func previous(timeZone: TimeZone) throws -> ReportDay {
        try Self.covering(TimeRange(start: start - 1, end: start), timeZone: timeZone)[0]
    }

    private static func formatter(_ calendar: Calendar) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.calendar = calendar
        formatter.timeZone = calendar.timeZone
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }

    /// Most days one report covers: a leap year.
    public static let maxDays = 366

    /// The years a report day may lie in: nanosecond timestamps reach from 1677-09-21 to
    /// 2262-04-11, and a report also reads a week before its first day and a day after its last.
    public static let years = 1678...2261

    private static func parse(_ text: String, _ calendar: Calendar) throws -> Date {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else {
            throw ReportError("cannot read date \"\(text)\": use YYYY-MM-DD, e.g. 2026-11-20")
        }
        guard years.contains(y) else {
            throw ReportError("date \(text) is outside the days a report covers, \(years.lowerBound)-01-01 to \(years.upperBound)-12-31 (timestamps are nanoseconds since 1970 and end in 1677 and 2262)")
        }
        guard let date = calendar.date(from: DateComponents(year: y, month: m, day: d)) else {
            throw ReportError("cannot read date \"\(text)\": use YYYY-MM-DD, e.g. 2026-11-20")
        }
        return calendar.startOfDay(for: date)
    }

    /// Whole milliseconds of `d` as ns; `years` keeps every report day far inside Int64.
    private static func nanoseconds(_ d: Date) throws -> Int64 {
        let ms = (d.timeIntervalSince1970 * 1000).rounded()
        guard let whole = Int64(exactly: ms), case let (ns, false) = whole.multipliedReportingOverflow(by: 1_000_000) else {
            throw ReportError("day \(d) is outside the range of nanosecond timestamps (years \(years.lowerBound) to \(years.upperBound))")
        }
        return ns
    }
}

/// A report failure with a message that says what to do.
public struct ReportError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}
