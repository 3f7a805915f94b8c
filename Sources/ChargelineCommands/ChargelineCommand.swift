public import ArgumentParser

/// The root command: lists the subcommands and nothing else.
public struct ChargelineCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "chargeline",
        abstract: "Time-series telemetry store for EV charging piles.",
        discussion: """
            Exit codes: 0 success; 1 failure (message on stderr); 2 bad arguments; \
            3 partial success (some input lines were rejected, everything valid was stored).
            """,
        version: ChargelineVersion.string,
        subcommands: [ServeCommand.self, GatewayCommand.self, ImportCommand.self, QueryCommand.self, InspectCommand.self,
                      CompactCommand.self, RollupCommand.self, RetentionCommand.self, ReportCommand.self,
                      VerifyCommand.self, RepairCommand.self])

    public init() {}
}

/// The product version, reported by `--version` and in HTTP headers.
public enum ChargelineVersion {
    public static let string = "0.1.0"
}
