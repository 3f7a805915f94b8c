import ChargelineCore
import Foundation
import Logging

/// The store's databases by name: which exist, which are open now, and who is using them.
///
/// An open database holds file descriptors (its WAL and its rollup's WAL once written, plus
/// the segments it has read; their threads are the shared `WALExecutor`'s), so at most `limit` are
/// open at once and one nobody used for `idleNanoseconds` is closed: ten thousand databases
/// written once each cost the handles of `limit`, not of ten thousand, before and after a
/// restart. A closed database is opened again by its next lease (its WAL replayed, nothing
/// lost: closing flushed its head and synced its WALs).
///
/// Contract:
/// - Every use of a database goes through a lease (`lease`/`release`, or `with`): a leased
///   database is never closed, so a read, a write's WAL append, a flush or a compaction never
///   runs on a database being closed, and a closed database is never open twice.
/// - Closing happens outside the table's lock; a lease of a name being closed waits for the
///   close to finish, then opens it afresh.
/// - The limit is soft: when every open database is leased or busy, one more opens anyway
///   (refusing a write because other databases are busy would be worse), and the next lease
///   or idle check closes the surplus.
/// - A lease is not taken inside a write's completion of another database that could be
///   closed meanwhile: the WAL's completions are what a close waits for (`Database.isQuiet`
///   keeps a database whose completions run from being picked).
/// - Thread-safe.
final class DatabaseTable: @unchecked Sendable {
    private let cond = NSCondition()
    /// Every database that exists (open or not).
    private var known: Set<String> = []
    private var open: [String: Database] = [:]
    private var users: [String: Int] = [:]
    /// When each open database was last leased or released (monotonic ns).
    private var lastUsed: [String: Int64] = [:]
    private var closing: Set<String> = []
    /// What each closed database held when it was closed (metrics of databases not open).
    private var closedStatistics: [String: DatabaseStatistics] = [:]
    /// Per closed database: when a rollup run has work for it (`Database.rollupDueAt`).
    private var rollupDue: [String: Int64] = [:]
    private var isShutDown = false

    let limit: Int
    let idleNanoseconds: Int64
    private let logger: Logger
    /// Opens (creating when absent) the database `name`; called under the table's lock.
    private let opener: (String) throws -> Database

    init(limit: Int, idleNanoseconds: Int64, logger: Logger, opener: @escaping (String) throws -> Database) {
        self.limit = max(1, limit)
        self.idleNanoseconds = idleNanoseconds
        self.logger = logger
        self.opener = opener
    }

    /// Records databases that exist on disk (opened on their first lease).
    func register(_ names: [String]) {
        cond.lock(); defer { cond.unlock() }
        known.formUnion(names)
    }

    /// Names of every database, sorted.
    func names() -> [String] {
        cond.lock(); defer { cond.unlock() }
        return known.sorted()
    }

    func contains(_ name: String) -> Bool {
        cond.lock(); defer { cond.unlock() }
        return known.contains(name)
    }

    /// How many databases are open now.
    var openCount: Int {
        cond.lock(); defer { cond.unlock() }
        return open.count
    }

    /// The database `name`, opened if needed, leased to the caller until `release(name)`; nil
    /// when it does not exist and `create` is false. `validate` runs before a database is
    /// created. Closes least recently used idle databases past the limit. With `touch` false
    /// (background work: rollups, retention, snapshots) the lease does not count as use: a
    /// database opened for it is the first to close again, and one already open keeps its
    /// idle time.
    func lease(_ name: String, create: Bool, touch: Bool = true, validate: () throws -> Void = {}) throws -> Database? {
        cond.lock()
        // A WAL completion that writes here waits on a thread of the shared WAL pool: it runs
        // the pool's jobs meanwhile, among them those the closing database's WALs wait for.
        WALExecutor.shared.waitHelping(cond) { !closing.contains(name) }
        if let db = open[name] {
            users[name, default: 0] += 1
            if touch { lastUsed[name] = FileIO.monotonicNanoseconds() }
            cond.unlock()
            return db
        }
        guard known.contains(name) || create else { cond.unlock(); return nil }
        if isShutDown { cond.unlock(); throw ChargelineError(.closed, "the store is closed") }
        let db: Database
        do {
            if !known.contains(name) { try validate() }
            db = try opener(name)
        } catch {
            cond.unlock()
            throw error
        }
        known.insert(name)
        open[name] = db
        users[name] = 1
        lastUsed[name] = touch ? FileIO.monotonicNanoseconds() : 0
        closedStatistics[name] = nil
        rollupDue[name] = nil
        let victims = takeVictimsLocked { _ in false }
        cond.unlock()
        close(victims)
        return db
    }

    /// Ends a lease from `lease` (with the same `touch`).
    func release(_ name: String, touch: Bool = true) {
        cond.lock()
        if let n = users[name] {
            users[name] = n > 1 ? n - 1 : nil
            if touch { lastUsed[name] = FileIO.monotonicNanoseconds() }
            // A drop waits for the last user.
            if n == 1 && closing.contains(name) { cond.broadcast() }
        }
        cond.unlock()
    }

    /// Runs `body` on the database `name` under a lease; nil when it does not exist.
    @discardableResult
    func with<T>(_ name: String, create: Bool = false, touch: Bool = true, validate: () throws -> Void = {},
                 _ body: (Database) throws -> T) throws -> T? {
        guard let db = try lease(name, create: create, touch: touch, validate: validate) else { return nil }
        defer { release(name, touch: touch) }
        return try body(db)
    }

    /// Runs `body` on each database open now, each under a lease (flushes, compactions).
    func forEachOpen(_ body: (Database) throws -> Void) rethrows {
        cond.lock()
        let names = open.keys.sorted()
        cond.unlock()
        for name in names {
            // Only those still open: one closed meanwhile has nothing left to flush or compact.
            cond.lock()
            guard let db = open[name] else { cond.unlock(); continue }
            users[name, default: 0] += 1
            cond.unlock()
            defer { release(name, touch: false) }
            try body(db)
        }
    }

    /// The databases open now, without leases: for reading their counters only.
    func openDatabases() -> [Database] {
        cond.lock(); defer { cond.unlock() }
        return open.keys.sorted().map { open[$0]! }
    }

    /// The open database `name` (no lease), or nil when it is not open.
    func openDatabase(_ name: String) -> Database? {
        cond.lock(); defer { cond.unlock() }
        return open[name]
    }

    /// Statistics of every database: live for open ones, as of their close for closed ones.
    func statistics() -> [DatabaseStatistics] {
        cond.lock()
        let live = open
        let stored = closedStatistics
        let names = known.sorted()
        cond.unlock()
        return names.compactMap { live[$0]?.statistics() ?? stored[$0] }
    }

    /// Closed databases whose rollups have work at `now` (wall ns), and every open one.
    func rollupCandidates(now: Int64) -> [String] {
        cond.lock(); defer { cond.unlock() }
        return known.filter { name in open[name] != nil || (rollupDue[name].map { $0 <= now } ?? false) }.sorted()
    }

    /// Closes the open databases nobody used for `idleNanoseconds`, and any past the limit.
    /// Returns how many it closed.
    @discardableResult
    func closeIdle() -> Int {
        cond.lock()
        let now = FileIO.monotonicNanoseconds()
        let idle = idleNanoseconds
        let victims = takeVictimsLocked { name in idle > 0 && now - (self.lastUsed[name] ?? now) >= idle }
        cond.unlock()
        close(victims)
        return victims.count
    }

    /// Closes every open database (waiting for leases to end is the caller's business: the
    /// store stops its maintenance first). Later leases fail with `.closed`. Returns the
    /// first error.
    func shutDown() -> (any Error)? {
        cond.lock()
        isShutDown = true
        while !closing.isEmpty { cond.wait() }
        let all = open.keys.sorted().map { open[$0]! }
        open = [:]
        cond.unlock()
        var first: (any Error)?
        for db in all {
            do { try db.close() } catch {
                logger.error("closing database \(db.name): \(error)")
                if first == nil { first = error }
            }
        }
        return first
    }

    /// Takes database `name` out of the table for `DROP DATABASE`: new leases wait, the drop
    /// waits for current users to finish, then `remove` runs with the database (nil when it
    /// was not open) and, once it returns, the name is forgotten. Returns false when there is
    /// no such database. When `remove` throws the name stays known (its folder is still there).
    func drop(_ name: String, remove: (Database?) throws -> Void) throws -> Bool {
        cond.lock()
        while closing.contains(name) { cond.wait() }
        guard known.contains(name) else { cond.unlock(); return false }
        closing.insert(name)
        // Out of `open` at once: no idle close picks it while its users finish.
        let db = open[name]
        open[name] = nil
        lastUsed[name] = nil
        while users[name] != nil { cond.wait() }
        cond.unlock()
        defer {
            cond.lock()
            closing.remove(name)
            cond.broadcast()
            cond.unlock()
        }
        try remove(db)
        cond.lock()
        known.remove(name)
        closedStatistics[name] = nil
        rollupDue[name] = nil
        cond.unlock()
        return true
    }

    // MARK: - Closing

    /// Under the lock: takes out of `open` (into `closing`) the least recently used quiet,
    /// unleased databases while more than `limit` are open, and any other quiet, unleased one
    /// that `extra` picks.
    private func takeVictimsLocked(extra: (String) -> Bool) -> [Database] {
        let candidates = open.filter { users[$0.key] == nil }
            .sorted { (lastUsed[$0.key] ?? 0) < (lastUsed[$1.key] ?? 0) }
        var surplus = open.count - limit
        var out: [Database] = []
        for (name, db) in candidates {
            guard surplus > 0 || extra(name), db.isQuiet else { continue }
            out.append(db)
            open[name] = nil
            lastUsed[name] = nil
            closing.insert(name)
            surplus -= 1
        }
        return out
    }

    /// Closes `victims` (outside the lock): flushes their heads, closes their WALs, removes the
    /// empty WAL segments that leaves, and keeps their statistics and rollup due time.
    private func close(_ victims: [Database]) {
        for db in victims {
            var stats: DatabaseStatistics?
            var due: Int64?
            do {
                try db.close()
                db.removeEmptyWALSegments()
                stats = db.statistics()
                due = db.rollupDueAt()
            } catch {
                // Its head stays in its WAL, replayed at the next open; rollups run then.
                logger.error("closing idle database \(db.name): \(error); its data stays in its WAL and is replayed when it is next opened")
                due = 0
            }
            cond.lock()
            closing.remove(db.name)
            closedStatistics[db.name] = stats
            rollupDue[db.name] = due
            cond.broadcast()
            cond.unlock()
        }
    }
}
