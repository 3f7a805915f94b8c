import ChargelineAuth
import ChargelineCore
import ChargelineFrontEnd
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging
import Testing

/// `auth-enabled` over HTTP: who may write, read, administer, claim YKC sessions and snapshot,
/// with InfluxDB 1.x's statuses and error bodies.
@Suite("Authorization over HTTP")
struct AuthorizationTests {
    /// A server with auth on, over a real store and engine, whose `USERS` holds `users`.
    static func withAuthServer(_ setup: (UserStore) throws -> Void,
                               _ body: (ChargelineServer, UserStore) async throws -> Void) async throws {
        let path = NSTemporaryDirectory() + "chargeline-auth-http-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: path) }
        var options = StorageOptions()
        options.backgroundMaintenance = false
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try Store(directory: path, options: options, logger: logger)
        defer { try? store.close() }
        try store.createDatabase("d")
        let users = try UserStore(directory: path, rounds: 1_000)
        try setup(users)
        let engine = QueryEngine(store: store, users: users)
        let config = ServerConfiguration(http: .init(host: "127.0.0.1", port: 0), lineProtocol: nil, threads: 2,
                                         shutdownGracePeriodMilliseconds: 2_000, idleTimeoutSeconds: 0)
        let server = try await ChargelineServer.start(
            configuration: config, sink: StorageSink(store: store), queryHandler: EngineQueryHandler(engine: engine),
            snapshotHandler: SnapshotEndpointTests.FakeSnapshots(), authorizer: RequestAuthorizer(users: users), logger: logger)
        do {
            try await body(server, users)
            try await server.shutdown()
        } catch {
            try? await server.shutdown()
            throw error
        }
    }

    static func send(_ server: ChargelineServer, _ method: String, _ target: String, body: String = "",
                     headers: [String: String] = [:]) async throws -> TestResponse {
        try await TestConnection.with(port: server.httpPort!) { c in
            try await c.request(method, target, body: Array(body.utf8), headers: headers)
        }
    }

    static func basic(_ user: String, _ password: String) -> [String: String] {
        ["Authorization": "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()]
    }

    static func q(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    /// The five kinds of user of the issue, each with password `pw-<name>`.
    static func fiveUsers(_ users: UserStore) throws {
        try users.createUser("root", password: "pw-root", admin: true)
        for (name, privilege) in [("reader", Privilege.read), ("writer", .write), ("all", .all)] {
            try users.createUser(name, password: "pw-\(name)", admin: false)
            try users.grant(privilege, database: "d", to: name)
        }
        try users.createUser("none", password: "pw-none", admin: false)
    }

    /// Each admin statement, in an order the admin can run them one after another.
    static let adminStatements = [
        "CREATE DATABASE other", "ALTER RETENTION POLICY autogen ON d DURATION 30d", "SHOW USERS", "SHOW GRANTS FOR reader",
        "CREATE USER extra WITH PASSWORD 'pw-extra'", "SET PASSWORD FOR extra = 'pw-extra2'", "GRANT READ ON d TO extra",
        "REVOKE READ ON d FROM extra", "CREATE TOKEN FOR extra", "SHOW TOKENS", "DROP USER extra",
        "CREATE USER admin2 WITH PASSWORD 'pw-admin2' WITH ALL PRIVILEGES", "GRANT ALL PRIVILEGES TO reader",
        "REVOKE ALL PRIVILEGES FROM reader", "SHOW QUERIES", "KILL QUERY 12345", "SHOW DIAGNOSTICS", "SHOW STATS",
    ]
    /// Deletes: admin only (InfluxDB 1.x lets WRITE run DELETE and DROP SERIES; Chargeline does
    /// not, see docs/query-language.md).
    static let deleteStatements = ["DROP RETENTION POLICY \"1h\" ON d", "DROP TOKEN '0123456789abcdef'",
                                   "DELETE FROM m WHERE gun = '1' AND time < 2s", "DELETE WHERE time < 1s",
                                   "DROP SERIES FROM m WHERE gun = '2'", "DROP MEASUREMENT m", "DROP DATABASE nosuch"]

    @Test("every privilege (admin, READ, WRITE, ALL, none) against write, read, each admin statement, delete, /ykc/sessions and snapshot")
    func matrix() async throws {
        try await Self.withAuthServer(Self.fiveUsers) { server, _ in
            // Non-admins first: the admin's statements change users.
            for user in ["reader", "writer", "all", "none", "root"] {
                let auth = Self.basic(user, "pw-\(user)")
                let admin = user == "root"
                let write = try await Self.send(server, "POST", "/write?db=d", body: "m,gun=1 v=1 1000000000\n", headers: auth)
                let mayWrite = admin || user == "writer" || user == "all"
                #expect(write.status == (mayWrite ? 204 : 403), "\(user) write: \(write.body)")
                if !mayWrite {
                    #expect(write.body == #"{"error":"\"\#(user)\" user is not authorized to write to database \"d\""}"#)
                }
                let read = try await Self.send(server, "GET", "/query?db=d&q=" + Self.q("SELECT v FROM m"), headers: auth)
                let mayRead = admin || user == "reader" || user == "all"
                #expect(read.status == (mayRead ? 200 : 403), "\(user) read: \(read.body)")
                if !mayRead {
                    #expect(read.body == #"{"error":"error authorizing query: \#(user) not authorized to execute statement 'SELECT v FROM m', requires READ on d"}"#)
                }
                for statement in Self.adminStatements + Self.deleteStatements {
                    let r = try await Self.send(server, "POST", "/query?db=d&q=" + Self.q(statement), headers: auth)
                    #expect(r.status == (admin ? 200 : 403), "\(user): \(statement): \(r.body)")
                    if !admin { #expect(r.body.contains("requires admin privilege"), "\(statement): \(r.body)") }
                }
                let ykc = try await Self.send(server, "POST", "/ykc/sessions?gateway=g", body: "32010200000001\n", headers: auth)
                #expect(ykc.status == (admin ? 200 : 403), "\(user) /ykc/sessions: \(ykc.body)")
                let snapshot = try await Self.send(server, "POST", "/api/v1/snapshot", headers: auth)
                #expect(snapshot.status == (admin ? 200 : 403), "\(user) snapshot: \(snapshot.body)")
            }
            // SHOW DATABASES lists what a user holds a grant on (InfluxDB 1.x); all for an admin.
            let asNone = try await Self.send(server, "GET", "/query?q=SHOW%20DATABASES", headers: Self.basic("none", "pw-none"))
            #expect(asNone.status == 200 && !asNone.body.contains("\"d\""), "\(asNone.body)")
            let asWriter = try await Self.send(server, "GET", "/query?q=SHOW%20DATABASES", headers: Self.basic("writer", "pw-writer"))
            #expect(asWriter.body.contains(#"[["d"]]"#), "\(asWriter.body)")
            let asRoot = try await Self.send(server, "GET", "/query?q=SHOW%20DATABASES", headers: Self.basic("root", "pw-root"))
            #expect(asRoot.body.contains(#"["other"]"#) && asRoot.body.contains(#"["d"]"#), "\(asRoot.body)")
            // The admin's statements took effect: the user made and dropped, the admin made.
            let users = try await Self.send(server, "GET", "/query?q=" + Self.q("SHOW USERS"), headers: Self.basic("admin2", "pw-admin2"))
            #expect(users.status == 200 && users.body.contains(#"["admin2",true]"#) && !users.body.contains("extra"), "\(users.body)")
        }
    }

    @Test("no credentials: 401 unable to parse; a wrong password or user: 401 authorization failed; ping, health and metrics stay open")
    func unauthenticated() async throws {
        try await Self.withAuthServer(Self.fiveUsers) { server, _ in
            for (method, target) in [("POST", "/write?db=d"), ("GET", "/query?q=SHOW%20DATABASES"), ("POST", "/ykc/sessions?gateway=g"),
                                     ("POST", "/api/v1/snapshot")] {
                let r = try await Self.send(server, method, target, body: method == "POST" && target.hasPrefix("/write") ? "m v=1\n" : "")
                #expect(r.status == 401, "\(target): \(r.body)")
                #expect(r.body == #"{"error":"unable to parse authentication credentials"}"#)
                let wrong = try await Self.send(server, method, target, headers: Self.basic("root", "pw-wrong"))
                #expect(wrong.status == 401 && wrong.body == #"{"error":"authorization failed"}"#, "\(target): \(wrong.body)")
                let unknown = try await Self.send(server, method, target, headers: Self.basic("ghost", "pw-root"))
                #expect(unknown.status == 401, "\(target): \(unknown.body)")
            }
            #expect(try await Self.send(server, "GET", "/ping").status == 204)
            #expect(try await Self.send(server, "GET", "/health").status == 200)
        }
    }

    @Test("credentials as u/p parameters, a form body, Basic, Token user:password and a bearer token")
    func credentialForms() async throws {
        try await Self.withAuthServer(Self.fiveUsers) { server, users in
            let query = "SELECT v FROM m"
            let viaParams = try await Self.send(server, "GET", "/query?db=d&u=reader&p=pw-reader&q=" + Self.q(query))
            #expect(viaParams.status == 200, "\(viaParams.body)")
            let viaForm = try await Self.send(server, "POST", "/query", body: "db=d&u=reader&p=pw-reader&q=" + Self.q(query),
                                              headers: ["Content-Type": "application/x-www-form-urlencoded"])
            #expect(viaForm.status == 200, "\(viaForm.body)")
            let viaToken = try await Self.send(server, "POST", "/api/v2/write?bucket=d", body: "m v=2 2000000000\n",
                                               headers: ["Authorization": "Token writer:pw-writer"])
            #expect(viaToken.status == 204, "\(viaToken.body)")
            let created = try await Self.send(server, "POST", "/query?q=" + Self.q("CREATE TOKEN FOR writer"), headers: Self.basic("root", "pw-root"))
            let token = try #require(created.body.split(separator: "\"").first { $0.hasPrefix("clt_") }.map(String.init))
            let viaBearer = try await Self.send(server, "POST", "/write?db=d", body: "m v=3 3000000000\n",
                                                headers: ["Authorization": "Bearer " + token])
            #expect(viaBearer.status == 204, "\(viaBearer.body)")
            let bearerRead = try await Self.send(server, "GET", "/query?db=d&q=" + Self.q(query), headers: ["Authorization": "Bearer " + token])
            #expect(bearerRead.status == 403, "a token has its user's privileges: \(bearerRead.body)")
            _ = users
            let forged = try await Self.send(server, "POST", "/write?db=d", body: "m v=4\n", headers: ["Authorization": "Bearer " + token.dropLast() + "x"])
            #expect(forged.status == 401)
        }
    }

    @Test("bootstrap: with no admin, only CREATE USER ... WITH ALL PRIVILEGES runs, without credentials or with ones not yet valid")
    func bootstrap() async throws {
        try await Self.withAuthServer({ _ in }) { server, users in
            let show = try await Self.send(server, "GET", "/query?q=" + Self.q("SHOW DATABASES"))
            #expect(show.status == 403 && show.body == #"{"error":"error authorizing query: create admin user first or disable authentication"}"#, "\(show.body)")
            let write = try await Self.send(server, "POST", "/write?db=d", body: "m v=1\n")
            #expect(write.status == 403 && write.body == #"{"error":"user is required to write to database \"d\""}"#, "\(write.body)")
            let plain = try await Self.send(server, "POST", "/query?q=" + Self.q("CREATE USER u WITH PASSWORD 'pw'"))
            #expect(plain.status == 403)
            let mixed = try await Self.send(server, "POST", "/query?q=" + Self.q("CREATE USER a WITH PASSWORD 'pw' WITH ALL PRIVILEGES; GRANT READ ON d TO a"))
            #expect(mixed.status == 403)
            let withUnknown = try await Self.send(server, "GET", "/query?q=" + Self.q("SHOW USERS"), headers: Self.basic("boss", "pw-boss"))
            #expect(withUnknown.status == 403 && withUnknown.body.contains("create admin user first"), "\(withUnknown.body)")
            let first = try await Self.send(server, "POST", "/query?q=" + Self.q("CREATE USER boss WITH PASSWORD 'pw-boss' WITH ALL PRIVILEGES"),
                                             headers: Self.basic("boss", "pw-boss"))
            #expect(first.status == 200 && !first.body.contains("error"), "\(first.body)")
            #expect(users.hasAdmin)
            let again = try await Self.send(server, "POST", "/query?q=" + Self.q("CREATE USER boss2 WITH PASSWORD 'pw' WITH ALL PRIVILEGES"))
            #expect(again.status == 401, "once an admin exists, credentials are needed: \(again.body)")
            let asBoss = try await Self.send(server, "GET", "/query?q=" + Self.q("SHOW USERS"), headers: Self.basic("boss", "pw-boss"))
            #expect(asBoss.status == 200 && asBoss.body.contains(#"["boss",true]"#), "\(asBoss.body)")
        }
    }

    @Test("SHOW QUERIES never shows a password")
    func redacted() async throws {
        let engine = QueryEngine(store: try Store(directory: NSTemporaryDirectory() + "chargeline-auth-redact-" + UUID().uuidString,
                                                  options: { var o = StorageOptions(); o.backgroundMaintenance = false; return o }()),
                                 users: try UserStore(directory: nil, rounds: 1_000))
        defer { try? engine.store.close(); try? FileManager.default.removeItem(atPath: engine.store.directory) }
        let results = try engine.execute("CREATE USER a WITH PASSWORD 'hunter2'; SHOW QUERIES", database: nil)
        #expect(results.count == 2 && results[0].error == nil)
        #expect(!"\(results[1].series)".contains("hunter2"))
    }
}
