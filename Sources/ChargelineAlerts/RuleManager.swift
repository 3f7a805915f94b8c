public import ChargelineQuery
public import Foundation
public import Logging
import ChargelineCore
import ChargelineStorage

/// Runs the rules of a rules file inside `serve`: each group every `interval` on one serial
/// queue, through the same query engine `/query` uses, at the evaluation time as `now()`.
/// Alerting rules move their instances (`AlertingRuleState`), hand what is due to the notifier
/// (which never blocks), and write every state change to the `alerts` measurement; recording
/// rules write their result. States are saved to `alerts.state` after every evaluation that
/// changed them.
///
/// `reload()` (SIGHUP, or the file changing: it is polled every `watchSeconds`) replaces the
/// rules only when the whole new file loads and validates; otherwise the rules in force stay
/// and the error (file, line, query error) is logged and kept for the API. Thread-safe.
public final class RuleManager: @unchecked Sendable {
    /// What the manager needs.
    public struct Options: Sendable {
        /// The rules file.
        public var rulesFile: String
        /// The database of groups without `database:`.
        public var defaultDatabase: String
        /// Where `alerts.state` lives (the data directory); nil keeps states in memory only.
        public var stateDirectory: String?
        /// The start of `generatorURL` (e.g. `http://127.0.0.1:8086`).
        public var externalURL: String = "http://127.0.0.1:8086"
        /// Firing alerts are re-sent this often (ns): Prometheus' default, one minute.
        public var resendDelay: Int64 = 60_000_000_000
        /// How often the rules file is checked for changes (seconds; 0: never).
        public var watchSeconds: Double = 2
        /// Whether groups run on their timers (false: only `evaluateAll`, as `alerts test` does).
        public var runTimers = true
        /// Whether history and recording rules are written (false: a dry run over a read-only store).
        public var writes = true

        public init(rulesFile: String, defaultDatabase: String, stateDirectory: String?) {
            self.rulesFile = rulesFile
            self.defaultDatabase = defaultDatabase
            self.stateDirectory = stateDirectory
        }
    }

    /// How a rule did at its last evaluation (for `/api/v1/rules`).
    public struct Health: Sendable {
        public var lastEvaluation: Int64?
        public var seconds: Double = 0
        public var error: String?
    }

    let engine: QueryEngine
    let options: Options
    let notifier: AlertNotifier?
    let logger: Logger
    let clock: @Sendable () -> Int64
    let queue = DispatchQueue(label: "chargeline.alerts")

    // Owned by `queue`.
    var groups: [RuleGroup] = []
    var templates: [String: [String: AlertTemplate]] = [:]
    var states: [String: AlertingRuleState] = [:]
    var health: [String: Health] = [:]
    var timers: [any DispatchSourceTimer] = []
    var watcher: (any DispatchSourceTimer)?
    var fileIdentity: FileIdentity?
    /// The last reload's failure, nil when the file in force is the file on disk.
    var reloadError: RuleFileError?
    /// Per group: the store's late-arrival log sequence its last evaluation read up to.
    var lateCursors: [String: UInt64] = [:]
    /// Per group: which of its rules one scan answers together (found when the rules load).
    var shared: [String: SharedSelects] = [:]
    /// Per group: the time of its first scheduled evaluation (ns); evaluation times are this
    /// plus whole intervals (`slot(of:at:)`).
    var origins: [String: Int64] = [:]

    /// A manager; nothing runs until `start()`. `clock` gives the evaluation time (ns).
    public init(engine: QueryEngine, options: Options, notifier: AlertNotifier?, logger: Logger,
                clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1e9) }) {
        self.engine = engine
        self.options = options
        self.notifier = notifier
        self.logger = logger
        self.clock = clock
    }

    /// Loads the rules file and the saved states, then starts the groups' timers and the file
    /// watch. - Throws: `RuleFileError` when the file does not load (serve does not start).
    public func start() throws {
        try queue.sync {
            if let dir = options.stateDirectory { states = try AlertStateFile.load(directory: dir).rules }
            try install(try load())
        }
        if options.watchSeconds > 0 {
            let w = DispatchSource.makeTimerSource(queue: queue)
            w.schedule(deadline: .now() + options.watchSeconds, repeating: options.watchSeconds)
            w.setEventHandler { [weak self] in self?.checkFile() }
            w.resume()
            queue.sync { watcher = w }
        }
    }

    /// Re-reads the rules file; keeps the rules in force when it does not load.
    /// - Returns: the error, nil when the new rules are in force.
    @discardableResult
    public func reload() -> RuleFileError? {
        queue.sync { reloadLocked() }
    }

    /// Evaluates every group once at `now` (tests and `alerts test` drive evaluation this way;
    /// serve's timers call the same code).
    public func evaluateAll(at now: Int64) {
        queue.sync { for g in groups { evaluate(g, at: now) } }
    }

    /// Stops the timers and the watch, saves the states.
    public func stop() {
        queue.sync {
            for t in timers { t.cancel() }
            timers = []
            watcher?.cancel()
            watcher = nil
            save()
        }
    }

    /// Stops as `stop()` does, then lets the notifier try what it holds for a few seconds.
    public func shutdown() async {
        stop()
        await notifier?.shutdown()
    }

    /// The groups in force.
    public var ruleGroups: [RuleGroup] { queue.sync { groups } }

    /// Every alerting rule's instances, by `group/rule`.
    public var alertStates: [String: AlertingRuleState] { queue.sync { states } }

    /// The last reload's failure, if the file on disk is not the one in force.
    public var lastReloadError: RuleFileError? { queue.sync { reloadError } }

    // MARK: Loading

    private func load() throws -> (groups: [RuleGroup], templates: [String: [String: AlertTemplate]]) {
        let text: String
        do {
            text = try String(contentsOfFile: options.rulesFile, encoding: .utf8)
        } catch {
            throw RuleFileError(file: options.rulesFile, line: 0, "cannot read the rules file: \(error.localizedDescription)")
        }
        fileIdentity = FileIdentity(path: options.rulesFile)
        let groups = try RuleFile.parse(text, file: options.rulesFile, defaultDatabase: options.defaultDatabase)
        let templates = try RuleValidator.check(groups, file: options.rulesFile, engine: engine, now: clock())
        return (groups, templates)
    }

    private func reloadLocked() -> RuleFileError? {
        do {
            try install(try load())
            reloadError = nil
            logger.info("alert rules reloaded from \(options.rulesFile): \(groups.count) groups, \(groups.reduce(0) { $0 + $1.rules.count }) rules")
            return nil
        } catch let e as RuleFileError {
            reloadError = e
            logger.error("alert rules not reloaded, the previous rules stay in force: \(e)")
            return e
        } catch {
            let e = RuleFileError(file: options.rulesFile, line: 0, "\(error)")
            reloadError = e
            logger.error("alert rules not reloaded, the previous rules stay in force: \(e)")
            return e
        }
    }

    private func install(_ loaded: (groups: [RuleGroup], templates: [String: [String: AlertTemplate]])) throws {
        for t in timers { t.cancel() }
        timers = []
        groups = loaded.groups
        templates = loaded.templates
        shared = Dictionary(uniqueKeysWithValues: groups.map { g in (g.name, SharedSelects(g.rules.map(\.expr))) })
        origins = [:]
        // States of rules that are gone are dropped; those of rules that stay are kept.
        let keys = Set(groups.flatMap { g in g.rules.filter { $0.kind == .alerting }.map { g.name + "/" + $0.name } })
        states = states.filter { keys.contains($0.key) }
        for g in groups where options.runTimers {
            let t = DispatchSource.makeTimerSource(queue: queue)
            let interval = Double(g.intervalNanoseconds) / 1e9
            t.schedule(deadline: .now() + interval, repeating: interval, leeway: .milliseconds(100))
            let name = g.name
            origins[name] = clock() + g.intervalNanoseconds
            t.setEventHandler { [weak self] in
                guard let self, let group = self.groups.first(where: { $0.name == name }) else { return }
                self.evaluate(group, at: self.slot(of: group, at: self.clock()))
            }
            t.resume()
            timers.append(t)
        }
    }

    /// The evaluation time for a timer that fired at `wall` (ns): the group's last scheduled
    /// time at or before it, as Prometheus evaluates at its group's slots. Evaluations are then
    /// exactly one interval apart however late each one starts (the timer's leeway, a busy
    /// machine, an evaluation that overran), so `for` holds after the number of evaluations it
    /// names and a late start does not push it out by an interval. A timer firing up to a
    /// tenth of an interval (at most 1 s) before its slot, as the wall clock and the timer's
    /// monotonic clock drift apart, counts as that slot.
    func slot(of group: RuleGroup, at wall: Int64) -> Int64 {
        let interval = group.intervalNanoseconds
        guard let origin = origins[group.name], interval > 0 else { return wall }
        let early = min(interval / 10, 1_000_000_000)
        let elapsed = wall - origin + early
        guard elapsed >= 0 else { return wall }
        return origin + elapsed / interval * interval
    }

    private func checkFile() {
        let now = FileIdentity(path: options.rulesFile)
        guard now != nil, now != fileIdentity else { return }
        fileIdentity = now
        logger.info("rules file \(options.rulesFile) changed: reloading")
        _ = reloadLocked()
    }

    func save() {
        guard let dir = options.stateDirectory else { return }
        do {
            try AlertStateFile.store(AlertStateFile.Contents(rules: states), directory: dir)
        } catch {
            logger.error("could not save alert states to \(dir)/\(AlertStateFile.name): \(error); they are kept in memory")
        }
    }
}

/// What identifies a file's version: inode, size and modification time.
struct FileIdentity: Equatable {
    var inode: UInt64
    var size: Int64
    var modified: Int64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}
