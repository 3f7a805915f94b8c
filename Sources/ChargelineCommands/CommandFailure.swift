import ArgumentParser
import ChargelineCore

/// Prints `error` to stderr the way every command reports failures, and returns the exit code.
func fail(_ error: any Error) -> ExitCode {
    if let e = error as? ChargelineError {
        Terminal.error("error: \(e.description)")
    } else {
        Terminal.error("error: \(error)")
    }
    return .failure
}

/// Exit code 3: the command did its work but some input was rejected.
extension ExitCode {
    static let partial = ExitCode(3)
}
