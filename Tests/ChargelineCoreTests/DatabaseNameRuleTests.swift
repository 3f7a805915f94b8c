import ChargelineCore
import Testing

@Suite("DatabaseNameRule")
struct DatabaseNameRuleTests {
    @Test("ordinary names, Unicode letters included, are accepted")
    func good() {
        for name in ["chargeline", "piles_2024-v1", "充电桩", "Zürich", String(repeating: "x", count: 255)] {
            #expect(DatabaseNameRule.problem(with: name) == nil, "\(name)")
        }
    }

    @Test("names that escape the data directory, print as something else or collide with its own files are refused")
    func bad() {
        let cases: [(String, String)] = [
            ("", "empty"), (".hidden", "starts with '.'"), ("a/b", "slash"), ("a\\b", "slash"), ("a..b", "'..'"),
            ("a\0b", "U+0000"), ("a\nb", "U+000A"), ("a\rb", "U+000D"), ("a\u{1B}[31mred", "U+001B"), ("a\u{7F}", "U+007F"),
            ("a\u{85}b", "U+0085"), ("evil\u{202E}txt.exe", "U+202E"), ("a\u{2066}b", "U+2066"), ("a\u{200F}", "U+200F"),
            ("snapshots", "reserved"), ("LOCK", "reserved"), ("quarantine", "reserved"), ("lost+found", "reserved"),
            (String(repeating: "x", count: 256), "256 bytes"),
        ]
        for (name, why) in cases {
            let problem = DatabaseNameRule.problem(with: name)
            #expect(problem?.contains(why) == true, "\(name.debugDescription): \(problem ?? "accepted")")
            // The message itself never carries the raw control character.
            #expect(problem?.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x202E } != true)
        }
    }
}
