import ChargelineAuth
import ChargelineCore
import Foundation
import Testing

/// Users, grants and tokens: the credential check, its cache, and the `USERS` file.
@Suite("UserStore")
struct UserStoreTests {
    /// Few rounds: the tests check the logic, not the hash's cost.
    static let rounds = 1_000

    static func withDirectory(_ body: (String) throws -> Void) throws {
        let path = NSTemporaryDirectory() + "chargeline-users-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: path) }
        try body(path)
    }

    @Test("a password authenticates, a wrong one or an unknown user does not")
    func authenticate() throws {
        let users = try UserStore(directory: nil, rounds: Self.rounds)
        try users.createUser("ann", password: "s3cret", admin: false)
        #expect(users.authenticate(.password(user: "ann", password: "s3cret"))?.name == "ann")
        #expect(users.authenticate(.password(user: "ann", password: "s3creT")) == nil)
        #expect(users.authenticate(.password(user: "bob", password: "s3cret")) == nil)
        #expect(!users.hasAdmin)
    }

    @Test("a verified password is answered without a hash; SET PASSWORD and DROP USER forget it")
    func cache() throws {
        let users = try UserStore(directory: nil, rounds: Self.rounds)
        try users.createUser("ann", password: "one", admin: false)
        #expect(users.check(.password(user: "ann", password: "one")) == .needsHash)
        #expect(users.authenticate(.password(user: "ann", password: "one")) != nil)
        #expect(users.check(.password(user: "ann", password: "one")) == .user(AuthenticatedUser(name: "ann", admin: false)))
        // A wrong password is never taken from the cache.
        #expect(users.check(.password(user: "ann", password: "two")) == .needsHash)
        try users.setPassword("ann", password: "two")
        #expect(users.check(.password(user: "ann", password: "one")) == .needsHash)
        #expect(users.authenticate(.password(user: "ann", password: "one")) == nil)
        #expect(users.authenticate(.password(user: "ann", password: "two")) != nil)
        try users.dropUser("ann")
        #expect(users.authenticate(.password(user: "ann", password: "two")) == nil)
    }

    @Test("grants add up to ALL and are taken away one at a time; GRANT ALL PRIVILEGES makes an admin")
    func grants() throws {
        let users = try UserStore(directory: nil, rounds: Self.rounds)
        try users.createUser("ann", password: "pw", admin: false)
        try users.grant(.read, database: "d", to: "ann")
        try users.grant(.write, database: "d", to: "ann")
        #expect(try users.grants(of: "ann").map(\.privilege) == [.all])
        try users.revoke(.read, database: "d", from: "ann")
        #expect(try users.grants(of: "ann").map(\.privilege) == [.write])
        let ann = users.authenticate(.password(user: "ann", password: "pw"))!
        #expect(ann.may(.write, on: "d") && !ann.may(.read, on: "d") && !ann.may(.write, on: "e"))
        try users.grant(.all, database: nil, to: "ann")
        #expect(users.hasAdmin && users.users().map(\.admin) == [true])
        try users.revoke(.all, database: nil, from: "ann")
        #expect(!users.hasAdmin)
        #expect(throws: AuthError.self) { try users.grant(.read, database: "d", to: "nobody") }
        #expect(throws: AuthError.self) { try users.grant(.read, database: "a/b", to: "ann") }
    }

    @Test("CREATE USER twice: the same statement is accepted, another password is refused")
    func createTwice() throws {
        let users = try UserStore(directory: nil, rounds: Self.rounds)
        try users.createUser("ann", password: "pw", admin: true)
        try users.createUser("ann", password: "pw", admin: true)
        #expect(throws: AuthError.self) { try users.createUser("ann", password: "other", admin: true) }
        #expect(throws: AuthError.self) { try users.createUser("a:b", password: "pw", admin: false) }
        #expect(throws: AuthError.self) { try users.createUser("a\nb", password: "pw", admin: false) }
        #expect(throws: AuthError.self) { try users.createUser("c", password: "", admin: false) }
    }

    @Test("a token authenticates as its user until dropped; a forged or altered one does not")
    func tokens() throws {
        let users = try UserStore(directory: nil, rounds: Self.rounds)
        try users.createUser("gw", password: "pw", admin: true)
        let (id, token) = try users.createToken(for: "gw")
        #expect(users.tokens().map(\.id) == [id])
        #expect(users.authenticate(.token(token))?.name == "gw")
        var altered = Array(token.utf8)
        altered[altered.count - 1] = altered.last == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(users.check(.token(String(decoding: altered, as: UTF8.self))) == .wrong)
        #expect(users.check(.token("clt_0000000000000000_" + String(repeating: "0", count: 64))) == .wrong)
        try users.dropToken(id)
        #expect(users.check(.token(token)) == .wrong)
    }

    @Test("users, grants and tokens survive a reopen; the file holds no password; a damaged file is refused")
    func durable() throws {
        try Self.withDirectory { path in
            let token: String
            do {
                let users = try UserStore(directory: path, rounds: Self.rounds)
                try users.createUser("root", password: "hunter2-secret", admin: true)
                try users.createUser("ann", password: "pw-ann", admin: false)
                try users.grant(.read, database: "d", to: "ann")
                token = try users.createToken(for: "ann").token
            }
            let reopened = try UserStore(directory: path, rounds: Self.rounds)
            #expect(reopened.users().map(\.name) == ["ann", "root"])
            #expect(try reopened.grants(of: "ann").map(\.database) == ["d"])
            #expect(reopened.authenticate(.password(user: "root", password: "hunter2-secret"))?.admin == true)
            #expect(reopened.authenticate(.token(token))?.name == "ann")
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path + "/USERS")))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(!text.contains("hunter2-secret") && !text.contains("pw-ann") && !text.contains(String(token.suffix(64))))
            #expect(!FileManager.default.fileExists(atPath: path + "/USERS.tmp"))
            bytes[bytes.count - 3] ^= 0x01
            try Data(bytes).write(to: URL(fileURLWithPath: path + "/USERS"))
            #expect(throws: ChargelineError.self) { try UserStore(directory: path, rounds: Self.rounds) }
        }
    }
}
