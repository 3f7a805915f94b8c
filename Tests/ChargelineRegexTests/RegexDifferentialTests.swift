import ChargelineRegex
import Foundation
import Testing

/// Random patterns over a small syntax where RE2 and ICU agree on whether a match exists
/// (literals, `.`, `[ab]`, `[^a]`, groups, `|`, `* + ? {n,m}`, `^`, `\z`), matched against
/// random inputs without newlines: the engine must agree with NSRegularExpression. Fixed seed.
@Suite struct RegexDifferentialTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }

        mutating func pattern(depth: Int) -> String {
            let atoms = ["a", "b", "c", ".", "[ab]", "[^a]", "é"]
            var out = ""
            for _ in 0..<(1 + next(3)) {
                var atom: String
                if depth > 0 && next(4) == 0 {
                    atom = "(" + pattern(depth: depth - 1) + (next(2) == 0 ? "|" + pattern(depth: depth - 1) : "") + ")"
                } else {
                    atom = atoms[next(atoms.count)]
                }
                switch next(7) {
                case 0: atom += "*"
                case 1: atom += "+"
                case 2: atom += "?"
                case 3: atom += "{\(next(2)),\(1 + next(2))}"
                default: break
                }
                out += atom
            }
            if next(6) == 0 { out = "^" + out }
            if next(6) == 0 { out += "\\z" }
            return out
        }

        mutating func input() -> String {
            let letters = ["a", "b", "c", "é"]
            return (0..<next(9)).map { _ in letters[next(letters.count)] }.joined()
        }
    }

    @Test func agreesWithBacktrackingEngineOnSharedSyntax() throws {
        var g = Generator(state: 0x5EED_2026)
        var disagreements: [String] = []
        for _ in 0..<1_500 {
            let pattern = g.pattern(depth: 2)
            let ours = try LinearRegex(pattern)
            let icu = try NSRegularExpression(pattern: pattern)
            for _ in 0..<8 {
                let s = g.input()
                let expected = icu.firstMatch(in: s, range: NSRange(s.startIndex..<s.endIndex, in: s)) != nil
                if ours.matches(s) != expected { disagreements.append("/\(pattern)/ on \"\(s)\": ICU says \(expected)") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}
