import ArgumentParser
import ChargelineStorage
import ChargelineCore
import Foundation

/// `chargeline repair`: rebuilds what can be rebuilt and says what was lost.
struct RepairCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Rebuild damaged or missing manifests, quarantine damaged segments and rollup state, and print what was lost.",
        discussion: """
            Needs the server stopped (it takes the data directory's lock and refuses otherwise). \
            Rebuilds a manifest from the segment files on disk when it is damaged or missing, \
            quarantines segments that fail verification into <db>/quarantine/ and drops them from \
            the manifest, and prints each lost file with its rows, values and time range. Run \
            `chargeline verify` first to see the problems; back up the data directory if you can. \
            Exit code 0 when nothing was lost, 1 when data was lost or repair failed.
            """)

    @Option(name: .long, help: ArgumentHelp("Data directory (the folder `chargeline serve --data` uses).", valueName: "dir"))
    var data: String = "./chargeline-data"

    @Flag(name: .long, help: "Print a JSON report instead of text.")
    var json = false

    func run() throws {
        let report: RepairReport
        do {
            report = try StoreRepairer.repair(directory: data)
        } catch {
            throw fail(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            for a in report.actions { print("repaired: \(a)") }
            for l in report.lost {
                var what = "\(l.rows.map(String.init) ?? "unknown") rows, \(l.values.map(String.init) ?? "unknown") values"
                if let lo = l.minTime, let hi = l.maxTime { what += ", \(CivilTime(nanoseconds: lo).rfc3339) to \(CivilTime(nanoseconds: hi).rfc3339)" }
                print("lost: \(l.file): \(what): \(l.reason)")
            }
            for p in report.remaining { print("left alone: \(p.description)") }
            print(report.actions.isEmpty && report.lost.isEmpty ? "nothing to repair" : "\(report.actions.count) repairs, \(report.lost.count) files lost")
        }
        if !report.lost.isEmpty { throw ExitCode.failure }
    }
}
