import ArgumentParser
import ChargelineStorage

/// `--data` and storage settings shared by every command that opens a data directory.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Data directory (one folder per database inside).", valueName: "dir"))
    var data: String = "./chargeline-data"

    @Option(name: .long, help: ArgumentHelp("WAL sync policy: always (fsync before acknowledging, group commit), an interval like 100ms, or never.", valueName: "policy"))
    var fsync: String = "always"

    func storageOptions(background: Bool) throws -> StorageOptions {
        var o = StorageOptions()
        guard let policy = FsyncPolicy(parsing: fsync) else {
            throw ValidationError("--fsync must be always, never, or an interval such as 100ms or 1s (got \(fsync))")
        }
        o.fsync = policy
        o.backgroundMaintenance = background
        return o
    }
}
