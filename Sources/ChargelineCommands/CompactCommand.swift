import ArgumentParser
import ChargelineStorage

/// `chargeline compact`: flush every head and merge each partition into one segment.
struct CompactCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Flush the head and merge each partition's segments into one (returns when done).",
        discussion: "The server must not be running on the same data directory (the directory lock says so).")

    @OptionGroup var dataOptions: DataOptions

    func run() throws {
        try dataOptions.bootstrapLogging()
        do {
            let store = try Store(directory: dataOptions.data, options: try dataOptions.storageOptions(background: false))
            let before = try store.report()
            let started = ContinuousClock.now
            let rewritten = try store.compact()
            let after = try store.report()
            try store.close()
            let seconds = (ContinuousClock.now - started).seconds
            print("compacted \(rewritten) partitions in \(Terminal.format(seconds, 2)) s: \(before.totalBytes) -> \(after.totalBytes) bytes, "
                  + "\(after.totalValues) values, \(Terminal.format(after.bytesPerValue, 3)) bytes/value")
        } catch {
            throw fail(error)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
