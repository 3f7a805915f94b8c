import ChargelineCore
import ChargelineQuery
import Foundation
import Testing

/// `DROP DATABASE`, `DROP MEASUREMENT`, `DROP SERIES` and `DELETE`: answered as InfluxDB 1.x
/// answers them (an empty result, or its error), and what they remove is gone from the
/// next SELECT and SHOW.
@Suite("Delete statements")
struct DeleteStatementTests {
    static let now: Int64 = 1_800_000_000_000_000_000
    static let lines = [
        "telemetry,pile=P1,gun=1 v=1 1000000000", "telemetry,pile=P1,gun=1 v=2 2000000000", "telemetry,pile=P1,gun=1 v=3 3000000000",
        "telemetry,pile=P1,gun=2 v=4 1000000000", "telemetry,pile=P2,gun=1 v=5 1000000000", "telemetry,pile=P2,gun=1 v=6 2000000000",
        "status,pile=P1 code=1i 1000000000", "status,pile=P2 code=2i 1000000000",
    ]
    static let empty = #"{"results":[{"statement_id":0}]}"#

    @Test("DELETE of tags and a time range; later writes in the range stay")
    func deleteTagsAndTime() throws {
        let f = try QueryFixture(lines: Self.lines)
        #expect(f.answer("DELETE FROM telemetry WHERE pile = 'P1' AND time >= 2s AND time < 3s", now: Self.now) == Self.empty)
        #expect(f.answer("SELECT v FROM telemetry WHERE pile = 'P1' GROUP BY gun", now: Self.now, epoch: "s")
                == #"{"results":[{"statement_id":0,"series":[{"name":"telemetry","tags":{"gun":"1"},"columns":["time","v"],"values":[[1,1],[3,3]]},{"name":"telemetry","tags":{"gun":"2"},"columns":["time","v"],"values":[[1,4]]}]}]}"#)
        #expect(f.answer("SELECT count(v) FROM telemetry WHERE pile = 'P2'", now: Self.now, epoch: "s")
                == #"{"results":[{"statement_id":0,"series":[{"name":"telemetry","columns":["time","count"],"values":[[0,2]]}]}]}"#)
        // DELETE without FROM: every measurement; only time.
        #expect(f.answer("DELETE WHERE time < 2s", now: Self.now) == Self.empty)
        #expect(f.answer("SELECT count(*) FROM status", now: Self.now) == Self.empty)
        #expect(f.answer("SHOW SERIES FROM status", now: Self.now).contains("status,pile=P1"), "DELETE keeps series in the index (InfluxDB 1.x)")
        _ = f.store.writeAndWait(database: "fleet", batch: try Self.batch("telemetry,pile=P1,gun=1 v=9 2000000000"))
        #expect(f.answer("SELECT v FROM telemetry WHERE pile = 'P1'", now: Self.now, epoch: "s")
                == #"{"results":[{"statement_id":0,"series":[{"name":"telemetry","columns":["time","v"],"values":[[2,9],[3,3]]}]}]}"#)
    }

    @Test("DROP SERIES by tags, DROP MEASUREMENT, DROP DATABASE")
    func drops() throws {
        let f = try QueryFixture(lines: Self.lines)
        #expect(f.answer("DROP SERIES FROM telemetry WHERE gun = '1'", now: Self.now) == Self.empty)
        #expect(f.answer("SHOW SERIES FROM telemetry", now: Self.now)
                == #"{"results":[{"statement_id":0,"series":[{"columns":["key"],"values":[["telemetry,gun=2,pile=P1"]]}]}]}"#)
        #expect(f.answer("DROP SERIES WHERE pile = 'P2'", now: Self.now) == Self.empty)
        #expect(f.answer("SELECT * FROM status", now: Self.now, epoch: "s")
                == #"{"results":[{"statement_id":0,"series":[{"name":"status","columns":["time","code","pile"],"values":[[1,1,"P1"]]}]}]}"#)
        #expect(f.answer("DROP MEASUREMENT status", now: Self.now) == Self.empty)
        #expect(f.answer("SHOW MEASUREMENTS", now: Self.now)
                == #"{"results":[{"statement_id":0,"series":[{"name":"measurements","columns":["name"],"values":[["telemetry"]]}]}]}"#)
        #expect(f.answer("DROP MEASUREMENT status", now: Self.now) == Self.empty, "InfluxDB 1.6: no error for a missing measurement")
        // A dropped measurement's field may take another type.
        let outcome = f.store.writeAndWait(database: "fleet", batch: try Self.batch("status,pile=P1 code=\"E1\" 5000000000"))
        #expect(outcome.failure == nil && outcome.rejected.isEmpty)
        #expect(f.answer("DROP DATABASE fleet", now: Self.now) == Self.empty)
        #expect(f.answer("SHOW DATABASES", now: Self.now) == #"{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"]}]}]}"#)
        #expect(f.answer("DROP DATABASE nosuch", now: Self.now) == Self.empty, "InfluxDB 1.x: no error")
    }

    @Test("what InfluxDB 1.x refuses")
    func refusals() throws {
        let f = try QueryFixture(lines: Self.lines)
        #expect(f.answer("DROP SERIES FROM telemetry WHERE time < 2s", now: Self.now).contains("DROP SERIES doesn't support time in WHERE clause"))
        #expect(f.answer("DELETE FROM telemetry WHERE v = 1", now: Self.now).contains("fields not supported in WHERE clause during deletion"))
        #expect(f.answer("DROP SERIES", now: Self.now).contains("needs a FROM or a WHERE clause"))
        #expect(f.answer("DELETE", now: Self.now).contains("needs a FROM or a WHERE clause"))
        #expect(f.answer("SELECT count(v) FROM telemetry", now: Self.now, epoch: "s")
                == #"{"results":[{"statement_id":0,"series":[{"name":"telemetry","columns":["time","count"],"values":[[0,6]]}]}]}"#, "nothing was deleted")
    }

    static func batch(_ line: String) throws -> WriteBatch {
        try QueryFixture.batch([line])
    }
}
