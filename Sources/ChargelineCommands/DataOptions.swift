import ArgumentParser
import ChargelineStorage
import Logging

/// `--data` and storage settings shared by every command that opens a data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (one folder per database inside; names starting with a dot are not databases).", valueName: "dir"))
    var data: String = "./chargeline-data"

    @Option(name: .long, help: ArgumentHelp("WAL sync policy: always (fsync before acknowledging, group commit; the default), an interval like 100ms, or never. Overrides the configuration file.", valueName: "policy"))
    var fsync: String?

    @Option(name: .long, help: ArgumentHelp("Configuration file (TOML): rollups, retention, storage. See chargeline.example.toml.", valueName: "file"))
    var config: String?

    @Option(name: .customLong("log-level"), help: "Log level on stderr: trace, debug, info, notice, warning, error, critical (default: info for serve, warning otherwise).")
    var logLevel: String?

    /// Sends logs to stderr at `--log-level`, else `defaultLevel` (one-shot commands default
    /// to warnings only, so their output stays the answer; serve to info).
    func bootstrapLogging(default defaultLevel: Logger.Level = .warning) throws {
        guard let level = logLevel.map({ Logger.Level(rawValue: $0) }) ?? defaultLevel else {
            throw ValidationError("--log-level: unknown level \(logLevel ?? "")")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
    }

    func storageOptions(background: Bool) throws -> StorageOptions {
        var o = try config.map { try Configuration.load($0).options } ?? StorageOptions.chargeline()
        if let fsync {
            guard let policy = FsyncPolicy(parsing: fsync) else {
                throw ValidationError("--fsync must be always, never, or an interval such as 100ms or 1s (got \(fsync))")
            }
            o.fsync = policy
        }
        o.backgroundMaintenance = background
        return o
    }
}
