import ChargelineCore
import ChargelineQuery
import Testing

/// User statements: what each needs (`requiredPrivileges`) and how they reach `UserAdministration`.
@Suite("User statements")
struct UserAdministrationTests {
    @Test("each statement's privilege, as InfluxDB 1.x requires it")
    func privileges() throws {
        func need(_ q: String, _ db: String? = "d") throws -> [RequiredPrivilege] {
            try QueryEngine.requiredPrivileges(q, database: db)
        }
        #expect(try need("SELECT v FROM m") == [.read("d")])
        #expect(try need("SELECT v FROM other..m") == [.read("other")])
        #expect(try need("SELECT max(v) FROM (SELECT v FROM e..m)") == [.read("d"), .read("e")])
        #expect(try need("SHOW MEASUREMENTS ON x") == [.read("x")])
        #expect(try need("SHOW SERIES EXACT CARDINALITY") == [.read("d")])
        #expect(try need("SHOW DATABASES") == [.none])
        #expect(try need("CREATE USER a WITH PASSWORD 'p' WITH ALL PRIVILEGES") == [.createAdmin])
        for admin in ["CREATE USER a WITH PASSWORD 'p'", "DROP USER a", "SET PASSWORD FOR a = 'q'", "GRANT READ ON d TO a",
                      "GRANT ALL PRIVILEGES TO a", "REVOKE WRITE ON d FROM a", "REVOKE ALL PRIVILEGES FROM a", "SHOW USERS",
                      "SHOW GRANTS FOR a", "CREATE TOKEN FOR a", "SHOW TOKENS", "DROP TOKEN 'x'", "CREATE DATABASE x",
                      "DROP RETENTION POLICY \"1h\" ON d", "ALTER RETENTION POLICY autogen ON d DURATION 1d", "SHOW QUERIES",
                      "KILL QUERY 1", "SHOW DIAGNOSTICS", "SHOW STATS", "DROP DATABASE x", "DROP MEASUREMENT m",
                      "DROP SERIES FROM m WHERE gun = '1'", "DELETE FROM m WHERE time < 1s", "DELETE FROM x..m WHERE gun = '1'"] {
            #expect(try need(admin) == [.admin], "\(admin)")
        }
        #expect(try need("SELECT v FROM m; SHOW USERS") == [.read("d"), .admin])
        #expect(throws: QueryError.self) { try need("GRANT READ TO a") }
        #expect(throws: QueryError.self) { try need("CREATE USER a WITH PASSWORD p") }
    }
}
