/// The billing model the platform hands piles (0x0A): eight prices (energy and service fee
/// for the sharp, peak, flat and valley periods) and which period each half hour of the day
/// belongs to.
///
/// Configuration file (a TOML subset, one `key = value` per line, `#` comments):
///
/// ```
/// model = "0100"             # model number, 4 BCD digits
/// sharp = [1.20000, 0.80000] # energy fee, service fee in yuan/kWh (5 decimals)
/// peak  = [1.00000, 0.80000]
/// flat  = [0.70000, 0.60000]
/// valley = [0.30000, 0.40000]
/// slots = "333333333333333322222222111100002222000011112222"  # 48 half hours from 00:00, 0 sharp .. 3 valley
/// loss_ratio = 0
/// ```
public struct YKCBillingModel: Sendable, Equatable {
    /// Model number as 2 packed BCD bytes (`"0100"` -> 0x0100).
    public var modelNumber: UInt16
    /// sharp energy, sharp service, peak energy, peak service, flat energy, flat service,
    /// valley energy, valley service, in 0.00001 yuan/kWh.
    public var prices: [UInt32]
    /// Loss ratio, %; 0 (platforms do not support it).
    public var lossRatio: UInt8
    /// 48 half-hour slots from 00:00, each 0 sharp, 1 peak, 2 flat, 3 valley.
    public var slots: [UInt8]

    /// A model; `prices` has 8 entries and `slots` 48.
    public init(modelNumber: UInt16, prices: [UInt32], lossRatio: UInt8 = 0, slots: [UInt8]) {
        precondition(prices.count == 8 && slots.count == 48, "BUG: billing model needs 8 prices and 48 slots")
        self.modelNumber = modelNumber
        self.prices = prices
        self.lossRatio = lossRatio
        self.slots = slots
    }

    /// Used without a configuration file: model 0001, one flat rate all day (1.00000 yuan/kWh
    /// energy + 0.40000 service), so piles can charge at once.
    public static let standard = YKCBillingModel(
        modelNumber: 0x0001, prices: [100_000, 40_000, 100_000, 40_000, 100_000, 40_000, 100_000, 40_000],
        slots: [UInt8](repeating: 2, count: 48))

    /// Parses the configuration text above. `source` names the file in errors.
    /// - Throws: `YKCConfigError` naming the line and what is wrong.
    public static func parse(_ text: String, source: String) throws -> YKCBillingModel {
        var model = YKCBillingModel.standard
        var seen = Set<String>()
        for (index, rawLine) in YKCConfigText.lines(text).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingWhitespace() } ?? ""
            if line.isEmpty { continue }
            func fail(_ message: String) -> YKCConfigError { YKCConfigError(source: source, line: lineNumber, message) }
            guard let eq = line.firstIndex(of: "=") else { throw fail("expected key = value") }
            let key = line[..<eq].trimmingWhitespace()
            let value = line[line.index(after: eq)...].trimmingWhitespace().trimmingQuotes()
            seen.insert(key)
            switch key {
            case "model":
                guard value.count == 4, let n = UInt16(value, radix: 16), value.allSatisfy(\.isNumber) else {
                    throw fail("model must be 4 decimal digits, e.g. \"0100\" (got \(value))")
                }
                model.modelNumber = n
            case "sharp", "peak", "flat", "valley":
                let k = ["sharp": 0, "peak": 1, "flat": 2, "valley": 3][key]!
                let parts = value.trimmingCharacters(in: "[]").split(separator: ",").map { $0.trimmingWhitespace() }
                guard parts.count == 2, let energy = Double(parts[0]), let service = Double(parts[1]),
                      energy >= 0, service >= 0, energy < 40_000, service < 40_000 else {
                    throw fail("\(key) must be [energy fee, service fee] in yuan/kWh, e.g. [1.20000, 0.80000] (got \(value))")
                }
                model.prices[2 * k] = UInt32((energy * 100_000).rounded())
                model.prices[2 * k + 1] = UInt32((service * 100_000).rounded())
            case "slots":
                let digits = value.utf8.map { $0 &- UInt8(ascii: "0") }
                guard digits.count == 48, digits.allSatisfy({ $0 <= 3 }) else {
                    throw fail("slots must be 48 digits 0-3 (sharp, peak, flat, valley), one per half hour from 00:00")
                }
                model.slots = digits
            case "loss_ratio":
                guard let v = UInt8(value), v <= 100 else { throw fail("loss_ratio must be 0...100") }
                model.lossRatio = v
            default:
                throw fail("unknown key \(key) (expected model, sharp, peak, flat, valley, slots, loss_ratio)")
            }
        }
        guard seen.contains("model") else {
            throw YKCConfigError(source: source, line: 0, "no model = \"NNNN\" line: piles compare the model number")
        }
        return model
    }
}

/// A configuration file (billing model, pile registry) that could not be used.
public struct YKCConfigError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public let source: String
    /// 1-based line number; 0 for the whole file.
    public let line: Int
    /// What is wrong and how to fix it.
    public let message: String

    /// An error at `source:line`.
    public init(source: String, line: Int, _ message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)" }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        String(drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }

    func trimmingQuotes() -> String {
        var s = Substring(self)
        if s.count >= 2, s.first == "\"", s.last == "\"" { s = s.dropFirst().dropLast() }
        return String(s)
    }

    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
