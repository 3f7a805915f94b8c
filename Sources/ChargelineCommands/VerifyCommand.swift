import ArgumentParser
import ChargelineStorage
import Foundation

/// `chargeline verify`: reads every file of a data directory and names every problem.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every file of every database and check every checksum and structural invariant.",
        discussion: """
            Checks manifests, every segment (header, footer, index, every block's checksum and \
            timestamps, counts and time ranges against the index and the manifest; with --deep \
            also every value decoded and each block's statistics), files the manifest \
            does not list or lists but are missing, the rollup state, and the WAL. Each problem is \
            named with its file, byte offset, what it means and what to do. Takes no lock and writes \
            nothing, so it runs beside a running server. Exit code 0 when clean, 1 when a problem was \
            found (or the directory cannot be read), 2 for bad arguments. See docs/operations.md, \
            "Verify and repair".
            """)

    @Option(name: .long, help: ArgumentHelp("Data directory (the folder `chargeline serve --data` uses).", valueName: "dir"))
    var data: String = "./chargeline-data"

    @Flag(name: .long, help: "Print a JSON report instead of text.")
    var json = false

    @Flag(name: .long, help: "Also decode every value and check each block's statistics (CPU-bound, far slower than the checksum pass; finds a writer that checksummed wrong values).")
    var deep = false

    func run() throws {
        let report: VerifyReport
        do {
            report = try StoreVerifier.verify(directory: data, deep: deep)
        } catch {
            throw fail(error)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(VerifyOutput(report)), as: UTF8.self))
        } else {
            for p in report.problems { print(p.description) }
            let mb = Double(report.bytes) / 1e6
            print("verified \(report.databases.count) database folders, \(report.files) files, \(Terminal.format(mb, 1)) MB in "
                  + "\(Terminal.format(report.seconds, 2)) s (\(Terminal.format(report.seconds > 0 ? mb / report.seconds : 0, 1)) MB/s): "
                  + (report.clean ? "no problems" : "\(report.problems.count) problems"))
        }
        if !report.clean { throw ExitCode.failure }
    }
}

/// `VerifyReport` with its verdict, as `--json` prints it.
private struct VerifyOutput: Encodable {
    let report: VerifyReport
    init(_ report: VerifyReport) { self.report = report }
    enum Keys: String, CodingKey { case dataDirectory, databases, files, bytes, seconds, problems, clean }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(report.dataDirectory, forKey: .dataDirectory)
        try c.encode(report.databases, forKey: .databases)
        try c.encode(report.files, forKey: .files)
        try c.encode(report.bytes, forKey: .bytes)
        try c.encode(report.seconds, forKey: .seconds)
        try c.encode(report.problems, forKey: .problems)
        try c.encode(report.clean, forKey: .clean)
    }
}
