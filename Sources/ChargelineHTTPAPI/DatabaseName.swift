import ChargelineCore

/// Checks database names taken from requests before they reach the sink: `DatabaseNameRule`,
/// the one rule storage applies too, checked early so the answer is a clear 400.
package enum DatabaseName {
    /// Returns why `name` is unusable, or `nil` when it is fine.
    package static func problem(with name: String) -> String? {
        DatabaseNameRule.problem(with: name)
    }
}
