public import ArgumentParser
import Foundation

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
                      BackupCommand.self, RestoreCommand.self, VerifyCommand.self, RepairCommand.self, AlertsCommand.self])

    public init() {}

    /// Parses and runs a command as ArgumentParser's `main()` does, but exits with 2 (as
    /// `--help` says, and as most Unix tools do) for bad arguments, where ArgumentParser uses
    /// 64 (`EX_USAGE`). The message and usage text are the same.
    public static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                Terminal.error(fullMessage(for: error))
                Foundation.exit(ExitCode.badArguments.rawValue)
            }
            exit(withError: error)
        }
    }
}

extension ExitCode {
    /// Exit code 2: the arguments were wrong (unknown option, missing value, bad combination).
    static let badArguments = ExitCode(2)
}

/// The product version, reported by `--version` and in HTTP headers.
public enum ChargelineVersion {
    public static let string = "0.1.0"
}
