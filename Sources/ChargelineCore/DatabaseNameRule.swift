/// What a database name may be. Storage keeps one folder per database and logs, shell scripts
/// and reports print names, so a name must be a safe folder name and safe to print: the HTTP
/// API, `CREATE DATABASE`, the line-protocol and YKC listeners and storage all apply this one rule.
public enum DatabaseNameRule {
    /// 255 bytes: the usual file-name limit.
    public static let maxLength = 255

    /// Names of folders and files the data directory keeps for itself (and `lost+found`, which a
    /// file system's root has): a database by one of these names would collide with them.
    public static let reserved: Set<String> = ["LOCK", "USERS", "snapshots", "quarantine", "backups", "lost+found"]

    /// Why `name` cannot name a database, or nil when it can.
    public static func problem(with name: String) -> String? {
        let shown = printable(name)
        if name.isEmpty { return "database name is empty" }
        if name.utf8.count > maxLength {
            return "database name is \(name.utf8.count) bytes long; the limit is \(maxLength)"
        }
        if name.contains("/") || name.contains("\\") {
            return "database name \(shown) contains a slash; use letters, digits, '_' or '-'"
        }
        if name.hasPrefix(".") || name.contains("..") {
            return "database name \(shown) starts with '.' or contains '..'; use letters, digits, '_' or '-'"
        }
        if let bad = name.unicodeScalars.first(where: isUnsafe) {
            let hex = String(bad.value, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            return "database name \(shown) contains \(code), a control or text-direction character; use letters, digits, '_' or '-'"
        }
        if reserved.contains(name) {
            return "database name \(shown) is reserved for the data directory's own files; choose another"
        }
        return nil
    }

    /// Control characters (C0, DEL, C1: newlines and terminal escapes among them) and the
    /// invisible marks that reorder text (bidirectional overrides and isolates), which make a
    /// name print as something else.
    static func isUnsafe(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// `name` quoted for a message, at most 64 characters, with unsafe characters as `\u{...}`.
    static func printable(_ name: String) -> String {
        var out = "\""
        for (i, s) in name.unicodeScalars.enumerated() {
            if i == 64 { out += "..."; break }
            out += isUnsafe(s) ? "\\u{\(String(s.value, radix: 16))}" : String(s)
        }
        return out + "\""
    }
}
