/// A backup or restore failure: what happened, where (target, key or file) and what to do.
package struct BackupError: Error, CustomStringConvertible, Sendable {
    package var message: String

    package init(_ message: String) {
        self.message = message
    }

    package var description: String { message }
}
