import ArgumentParser
import ChargelineAlerts
import ChargelineCore
import ChargelineQuery
import ChargelineStorage
import Foundation
import Logging

/// `chargeline alerts`: the alert rules of a file, a dry run of them over a data directory, and
/// the alert history (docs/alerting.md).
struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List, test and look back at alert rules (docs/alerting.md).",
        subcommands: [List.self, Test.self, History.self])

    /// `alerts list FILE`: the groups and rules of a rules file, checked as serve loads them.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules of a rules file.")

        @Argument(help: "The rules file.") var file: String
        @Option(name: .long, help: "Database of groups without `database:`.") var db: String = "chargeline"

        func run() throws {
            do {
                let groups = try RuleFile.parse(try String(contentsOfFile: file, encoding: .utf8), file: file, defaultDatabase: db)
                var table = TextTable(headers: ["group", "database", "interval", "type", "name", "for", "labels"])
                for g in groups {
                    for r in g.rules {
                        table.add([g.name, g.database, DurationText.format(nanoseconds: g.intervalNanoseconds), r.kind.rawValue, r.name,
                                     r.kind == .alerting ? DurationText.format(nanoseconds: r.holdNanoseconds) : "-",
                                     r.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")])
                    }
                }
                Terminal.out(table.render())
            } catch {
                throw fail(error)
            }
        }
    }

    /// `alerts test FILE --data DIR --at T ...`: loads the file as serve would against a data
    /// directory (read-only) and evaluates every rule at each `--at` time in turn, printing each
    /// state change. Writes nothing.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a rules file against a data directory and evaluate it at given times.",
            discussion: """
                Exit status 1 when the file does not load (the error names the file, the line and the query error).
                Example: chargeline alerts test Queries/alerts.yaml --data ./data --at 2026-11-20T00:39:00Z --at 2026-11-20T00:40:00Z
                """)

        @Argument(help: "The rules file.") var file: String
        @OptionGroup var dataOptions: DataOptions
        @Option(name: .long, help: "Database of groups without `database:`.") var db: String = "chargeline"
        @Option(name: .long, help: "Evaluate at this time (RFC 3339 or epoch with unit); repeat for a sequence. Default: now.")
        var at: [String] = []

        func run() throws {
            try dataOptions.bootstrapLogging()
            do {
                let wall = Int64(Date().timeIntervalSince1970 * 1e9)
                let times = try at.isEmpty ? [wall] : at.map { try TimeParser.parse($0, now: wall) }
                let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
                defer { try? store.close() }
                var options = RuleManager.Options(rulesFile: file, defaultDatabase: db, stateDirectory: nil)
                options.watchSeconds = 0
                options.runTimers = false
                options.writes = false
                let clock = Clock(times[0])
                let manager = RuleManager(engine: QueryEngine(store: store), options: options, notifier: nil,
                                          logger: Logger(label: "chargeline.alerts"), clock: { clock.now })
                try manager.start()
                var printed = 0
                for t in times {
                    clock.now = t
                    let before = manager.alertStates
                    manager.evaluateAll(at: t)
                    for (key, state) in manager.alertStates.sorted(by: { $0.key < $1.key }) {
                        for (fp, a) in state.instances.sorted(by: { $0.key < $1.key }) where before[key]?.instances[fp]?.state != a.state {
                            Terminal.out("\(AlertPayload.rfc3339(t))  \(a.shownState.padding(toLength: 8, withPad: " ", startingAt: 0))  \(fp)  value=\(AlertTemplate.format(a.value))\n")
                            printed += 1
                        }
                    }
                }
                if printed == 0 { Terminal.out("no alert changed state at the given times\n") }
                manager.stop()
            } catch {
                throw fail(error)
            }
        }
    }

    /// `alerts history`: the `alerts` measurement of a data directory.
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the alert history (the alerts measurement).")

        @OptionGroup var dataOptions: DataOptions
        @Option(name: .long, help: "Database.") var db: String = "chargeline"
        @Option(name: .long, help: "How far back, e.g. 1d, 12h.") var since: String = "1d"
        @Option(name: .long, help: "Only this rule.") var rule: String?
        @Option(name: .long, help: "Output format: table, csv or json.") var format: QueryCommand.OutputFormat = .table

        func run() throws {
            try dataOptions.bootstrapLogging()
            do {
                _ = try TimeParser.duration(since)
                var q = "SELECT rule, state, value, late, labels FROM alerts WHERE time > now() - \(since)"
                if let rule { q += " AND rule = '\(rule.replacingOccurrences(of: "'", with: "\\'"))'" }
                let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false), readOnly: true)
                defer { try? store.close() }
                let results: [StatementResult]
                do { results = try QueryEngine(store: store).execute(q, database: db) } catch let e as QueryError {
                    throw ChargelineError(.badInput, e.message)
                }
                if try ResultPrinter(format: format, reportsEmpty: true).print(InfluxJSON(epoch: nil, zone: nil).encode(results)) {
                    throw ExitCode.failure
                }
            } catch let e as ExitCode {
                throw e
            } catch {
                throw fail(error)
            }
        }
    }
}

/// The evaluation time of `alerts test`, moved between evaluations.
private final class Clock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int64
    init(_ v: Int64) { value = v }
    var now: Int64 {
        get { lock.lock(); defer { lock.unlock() }; return value }
        set { lock.lock(); value = newValue; lock.unlock() }
    }
}
