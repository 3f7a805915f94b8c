import ArgumentParser
import ChargelineBackup
import ChargelineCore
import Foundation

/// `chargeline restore`: downloads a backup into an empty data directory and checks every file.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup from a directory or s3://bucket/prefix into an empty data directory.",
        discussion: """
            Downloads the latest backup (or --backup ID), checking each file's size and SHA-256. \
            Then start `chargeline serve --data DIR`: it replays the backed-up WAL tail, and answers \
            as the store did when the backup was taken. --list prints the backups in the target.
            """)

    @Option(name: .long, help: ArgumentHelp("Where the backups are: a directory or s3://bucket/prefix.", valueName: "target"))
    var from: String

    @Option(name: .long, help: ArgumentHelp("Data directory to restore into (must be empty unless --force).", valueName: "dir"))
    var data: String?

    @Option(name: .long, help: ArgumentHelp("The backup to restore (default: the latest).", valueName: "id"))
    var backup: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML): its [backup] section supplies S3 settings the AWS_* variables do not.", valueName: "file"))
    var config: String?

    @Flag(name: .long, help: "Delete what the data directory holds first (refused while a server holds it).")
    var force = false

    @Flag(name: .long, help: "List the backups in the target and exit.")
    var list = false

    @Option(name: .long, help: "Downloads at once (default 4).")
    var concurrency: Int = 4

    func run() async throws {
        do {
            let target = try BackupTargets.parse(from, fallback: try config.map { try Configuration.load($0).backup } ?? [:])
            do {
                try await run(target)
            } catch {
                await target.close()
                throw error
            }
            await target.close()
        } catch let e as ValidationError {
            throw e
        } catch {
            throw fail(error)
        }
    }

    private func run(_ target: any BackupTarget) async throws {
        if list {
            for id in try await BackupRestorer.backups(in: target) { print(id) }
            return
        }
        guard let data else { throw ValidationError("--data DIR is required (the data directory to restore into)") }
        try prepare(data)
        let summary = try await BackupRestorer.restore(from: target, id: backup, into: data, concurrency: max(1, concurrency))
        print("restored backup \(summary.id) from \(target.description) into \(data): \(summary.files) files, "
              + "\(Terminal.format(Double(summary.bytes) / 1e6, 1)) MB, checksums verified, in \(Terminal.format(summary.seconds, 2)) s; "
              + "start `chargeline serve --data \(data)`")
    }

    /// Refuses a non-empty directory unless --force; with it, empties the directory (after
    /// checking no server holds it) so no file of the old store mixes with the backup's.
    private func prepare(_ data: String) throws {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: data)) ?? []).filter { $0 != "LOCK" }
        guard !names.isEmpty else { return }
        guard force else {
            throw ChargelineError(.badInput, "data directory \(data) is not empty (\(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", ..." : "")); restore into a new directory, or pass --force to delete its contents first")
        }
        if DataDirectoryLock.isHeld(data) {
            throw ChargelineError(.closed, "data directory \(data) is in use by a running server; stop it before restoring over it")
        }
        for name in names { try fm.removeItem(atPath: data + "/" + name) }
    }
}
