import ChargelineReports
import Foundation
import Testing

/// Report parameters from a request: days a nanosecond timestamp cannot hold and absurd max
/// gaps are refused with a message, never trapped on (the server computed them unchecked).
@Suite struct DailyReportQueryTests {
    func refusal(_ parameters: [String: String]) -> String? {
        do {
            _ = try DailyReportQuery.parse(parameters)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func datesOutsideTheTimestampRange() {
        for date in ["9999-12-31", "0000-01-01", "1500-01-01", "1677-12-31", "2262-01-01"] {
            #expect(refusal(["date": date]) == "date \(date) is outside the days a report covers, 1678-01-01 to 2261-12-31 (timestamps are nanoseconds since 1970 and end in 1677 and 2262)")
            #expect(refusal(["date": "2026-11-20", "to": date, "tz": "UTC"])?.contains("date \(date) is outside the days a report covers") == true)
        }
        #expect(refusal(["date": "1678-01-01", "tz": "Pacific/Kiritimati"]) == nil)
        #expect(refusal(["date": "2261-12-31", "tz": "Pacific/Pago_Pago"]) == nil)
        #expect(refusal(["date": "-2026-11-20"]) == "cannot read date \"-2026-11-20\": use YYYY-MM-DD, e.g. 2026-11-20")
    }

    @Test func firstAndLastReportDaysFitInNanoseconds() throws {
        let first = try ReportDay.days(from: "1678-01-01", timeZone: TimeZone(identifier: "Pacific/Kiritimati")!)
        let last = try ReportDay.days(from: "2261-12-31", timeZone: TimeZone(identifier: "Pacific/Pago_Pago")!)
        #expect(first[0].start < 0 && last[0].end > 0 && first[0].end - first[0].start == 86_400_000_000_000)
    }

    /// The ReportFuzz finding: a range of 65,000 days ran for minutes (the fuzzer's 10 s hang
    /// limit); a report covers at most a leap year, refused before any day is built.
    @Test func rangesLongerThanAYear() throws {
        let query = "date=2023-11-14&to=2203-11-15&form*t=jsoRWlevel=station"
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            parameters[String(kv[0])] = String(kv[1])
        }
        #expect(refusal(parameters) == "--date 2023-11-14 to --to 2203-11-15 is 65745 days; a report covers at most 366 days (a year): ask for a year or less at a time")
        #expect(refusal(["date": "1678-01-01", "to": "2261-12-31"])?.contains("a report covers at most 366 days") == true)
        #expect(refusal(["date": "2024-01-01", "to": "2024-12-31"]) == nil)
        #expect(refusal(["date": "2024-01-01", "to": "2025-01-01"])?.contains("is 367 days") == true)
        #expect(try ReportDay.days(from: "2024-01-01", to: "2024-12-31", timeZone: TimeZone(identifier: "UTC")!).count == 366)
    }

    @Test func maxGapBeyondADay() {
        #expect(refusal(["date": "2026-11-20", "max_gap": "9223372036854775807ns"]) == "the max gap must be at most 1d, as a sample holds its status at most a day (got 9223372036854775807ns)")
        #expect(refusal(["date": "2026-11-20", "max_gap": "25h"])?.contains("at most 1d") == true)
        #expect(refusal(["date": "2026-11-20", "max_gap": "99999999999w"]) == "max gap 99999999999w: duration \"99999999999w\" is too long: nanoseconds in 64 bits hold at most about 292 years (15250w)")
        #expect(refusal(["date": "2026-11-20", "max_gap": "0s"]) == "the max gap must be positive (got 0s)")
        #expect(refusal(["date": "2026-11-20", "max_gap": "1d"]) == nil)
    }
}
