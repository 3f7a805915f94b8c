/// Checks database names taken from requests before they reach the sink (which may use them
/// as directory names).
enum DatabaseName {
    /// 255 bytes: the usual file-name limit, since storage keeps one folder per database.
    static let maxLength = 255

    /// Returns why `name` is unusable, or `nil` when it is fine.
    static func problem(with name: String) -> String? {
        if name.isEmpty { return "database name is empty" }
        if name.utf8.count > maxLength {
            return "database name is \(name.utf8.count) bytes long; the limit is \(maxLength)"
        }
        if name.utf8.contains(0) { return "database name \(JSON.quoteForMessage(name)) contains a NUL byte" }
        if name.contains("/") || name.contains("\\") {
            return "database name \(JSON.quoteForMessage(name)) contains a slash; use letters, digits, '_' or '-'"
        }
        if name.hasPrefix(".") || name.contains("..") {
            return "database name \(JSON.quoteForMessage(name)) starts with '.' or contains '..'; use letters, digits, '_' or '-'"
        }
        return nil
    }
}
