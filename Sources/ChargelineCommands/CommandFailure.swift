import ArgumentParser
import ChargelineCore

/// Prints `error` to stderr the way every command reports failures, and returns the exit code.
func fail(_ error: any Error) -> ExitCode {
    Terminal.error(errorLine("\(error)"))
    return .failure
}

/// `error: <message>`, without a second "error" when the message already starts with one
/// (the query engine's semantic errors read `error at line 1, column 30: ...`).
func errorLine(_ message: String) -> String {
    message.lowercased().hasPrefix("error") ? message : "error: " + message
}

/// Exit code 3: the command did its work but some input was rejected.
extension ExitCode {
    static let partial = ExitCode(3)
}
