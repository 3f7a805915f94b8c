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

    @Test func civilTimeRoundTrip() {
        for t: Int64 in [0, -1, 1_763_596_800_123_000_000, -86_400_000_000_001, 9_000_000_000_000_000_000] {
            #expect(TimeParser.rfc3339(CivilTime(nanoseconds: t).rfc3339) == t)
        }
    }
}
