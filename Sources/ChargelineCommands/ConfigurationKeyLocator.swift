import Foundation

/// Finds the line of a configuration key in the TOML text, for error messages: TOMLKit's
/// tables do not keep where a key was written. Understands what `chargeline.example.toml`
/// uses: `[a.b]` headers, `key = value` lines, dotted keys (`a.b = 1` under a header or at the
/// top), comments; quoted keys are matched without their quotes.
enum ConfigurationKeyLocator {
    /// The 1-based line that sets `dotted` (`retention.databases.t.raw`) or opens its table;
    /// `nil` when not found.
    static func line(of dotted: String, in text: String) -> Int? {
        var table = ""
        var number = 0
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") {
                let name = normalise(trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")))
                if name == dotted { return number }
                table = name
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else { continue }
            let key = normalise(String(trimmed[..<eq]))
            let full = table.isEmpty ? key : table + "." + key
            if full == dotted || dotted.hasPrefix(full + ".") || full.hasPrefix(dotted + ".") { return number }
        }
        return nil
    }

    /// `a . "b" .c` -> `a.b.c`.
    private static func normalise(_ key: String) -> String {
        key.split(separator: ".").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'")) }.joined(separator: ".")
    }
}
