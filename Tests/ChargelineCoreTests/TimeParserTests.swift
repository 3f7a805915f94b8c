import ChargelineCore
import Testing

@Suite struct TimeParserTests {
    let now: Int64 = 1_763_600_000_000_000_000

    @Test func forms() throws {
        #expect(try TimeParser.parse("2025-11-20T00:00:00Z", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("2025-11-20T08:00:00+08:00", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("2025-11-20T00:00:00.25Z", now: now) == 1_763_596_800_250_000_000)
        #expect(try TimeParser.parse("2025-11-20", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("1763596800s", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("1763596800000ms", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("1763596800000000000", now: now) == 1_763_596_800_000_000_000)
        #expect(try TimeParser.parse("now", now: now) == now)
        #expect(try TimeParser.parse("now-1h", now: now) == now - 3_600_000_000_000)
        #expect(try TimeParser.parse("now() + 90s", now: now) == now + 90_000_000_000)
    }

    @Test func durations() throws {
        #expect(try TimeParser.duration("1h30m") == 5_400_000_000_000)
        #expect(try TimeParser.duration("500ms") == 500_000_000)
        #expect(try TimeParser.duration("7d") == 604_800_000_000_000)
        #expect(throws: ChargelineError.self) { try TimeParser.duration("10") }
        #expect(throws: ChargelineError.self) { try TimeParser.duration("1x") }
        for long in ["15251w", "99999999999999999999s", "15250w1000h"] {
            #expect(throws: ChargelineError.self) { try TimeParser.duration(long) }
            #expect((try? TimeParser.duration(long)) == nil)
            do { _ = try TimeParser.duration(long) } catch let e as ChargelineError {
                #expect(e.message == "duration \"\(long)\" is too long: nanoseconds in 64 bits hold at most about 292 years (15250w)")
            } catch {}
        }
        #expect(try TimeParser.duration("15250w") == 9_223_200_000_000_000_000)
    }

    @Test func rejectsNonsenseWithAHelpfulMessage() {
        do {
            _ = try TimeParser.parse("yesterday", now: now)
            Issue.record("expected an error")
        } catch let e as ChargelineError {
            #expect(e.message.contains("RFC 3339"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Times a nanosecond Int64 cannot hold are refused with the range, never trapped on.
    @Test func refusesTimesOutsideTheInt64Range() throws {
        for text in ["1500-01-01T00:00:00Z", "3000-01-01", "9999-12-31T23:59:59Z", "0000-01-01",
                     "1677-09-21T00:12:43.145224191Z", "2262-04-11T23:47:16.854775808Z",
                     "9223372036854775808", "9223372036854775807s", "now+15250w"] {
            #expect(TimeParser.rfc3339(text) == nil, "\(text)")
            do {
                let t = try TimeParser.parse(text, now: now)
                Issue.record("\(text) parsed as \(t)")
            } catch let e as ChargelineError {
                #expect(e.message.contains("outside the range a timestamp can hold"), "\(text): \(e.message)")
                #expect(e.message.contains("1677-09-21T00:12:43.145224192Z through 2262-04-11T23:47:16.854775807Z"))
            }
        }
        // The first and last nanosecond still parse.
        #expect(try TimeParser.parse("1677-09-21T00:12:43.145224192Z", now: now) == .min)
        #expect(try TimeParser.parse("2262-04-11T23:47:16.854775807Z", now: now) == .max)
        #expect(try TimeParser.parse("2262-04-12T07:47:16.854775807+08:00", now: now) == .max)
    }

    @Test func civilTimeRoundTrip() {
        for t: Int64 in [0, -1, 1_763_596_800_123_000_000, -86_400_000_000_001, 9_000_000_000_000_000_000, .min, .max] {
            #expect(TimeParser.rfc3339(CivilTime(nanoseconds: t).rfc3339) == t)
        }
    }
}
