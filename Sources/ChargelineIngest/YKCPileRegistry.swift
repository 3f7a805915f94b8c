/// What the operator knows about a pile: the tags its telemetry carries.
public struct YKCPileInfo: Sendable, Equatable {
    /// Station identifier (tag `station`).
    public var station: String
    /// Operator (tag `operator`); empty = no tag.
    public var operatorName: String
    /// Pile model (tag `model`); empty = no tag.
    public var model: String
    /// Rated power in kW as written in the registry (tag `rated_kw`); empty = no tag.
    public var ratedKilowatts: String

    /// A registry entry.
    public init(station: String, operatorName: String = "", model: String = "", ratedKilowatts: String = "") {
        self.station = station
        self.operatorName = operatorName
        self.model = model
        self.ratedKilowatts = ratedKilowatts
    }

    /// The tags an unregistered pile gets when unknown piles are accepted.
    public static let unregistered = YKCPileInfo(station: "unregistered")

    /// The registry tags (without `pile` and `gun`), empty values left out.
    public var tags: [String: String] {
        var t = ["station": station]
        if !operatorName.isEmpty { t["operator"] = operatorName }
        if !model.isEmpty { t["model"] = model }
        if !ratedKilowatts.isEmpty { t["rated_kw"] = ratedKilowatts }
        return t
    }
}

/// The pile registry: pile code -> station, operator, model, rated power. Parsed from CSV:
///
/// ```
/// pile,station,operator,model,rated_kw
/// 32010600395600,S0001,GreenCharge,DC120,120
/// 20231212000010,S0002,GreenCharge,AC7,7
/// ```
///
/// - The header line is optional (recognised by its first cell `pile`); `#` lines and blank
///   lines are skipped; cells are trimmed; no quoting (values may not contain commas).
/// - Lines may end in LF, CRLF (Excel, Python's `csv`) or CR; a UTF-8 byte-order mark is ignored.
/// - A file with lines but no pile entry (only a header, say) is an error, not an empty
///   registry that silently rejects every pile.
/// - The pile code is the 14 digits of the login frame's BCD code (A-F allowed).
/// - `station` is required, the other columns may be empty or missing.
/// - A pile listed twice is an error (which line wins would be a guess).
public struct YKCPileRegistry: Sendable {
    /// Entries by packed pile code.
    public private(set) var entries: [UInt64: YKCPileInfo]

    /// An empty registry.
    public init() { entries = [:] }

    /// A registry of `entries`.
    public init(entries: [UInt64: YKCPileInfo]) { self.entries = entries }

    /// The entry for a pile, if registered.
    public subscript(pileCode: UInt64) -> YKCPileInfo? { entries[pileCode] }

    /// Number of registered piles.
    public var count: Int { entries.count }

    /// Parses registry CSV text. `source` names the file in errors.
    /// - Throws: `YKCConfigError` naming the first bad line.
    public static func parse(_ text: String, source: String) throws -> YKCPileRegistry {
        var entries: [UInt64: YKCPileInfo] = [:]
        var firstLine: [UInt64: Int] = [:]
        var contentLines = 0
        for (index, raw) in YKCConfigText.lines(text).enumerated() {
            let lineNumber = index + 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            contentLines += 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            if cells[0].lowercased() == "pile" { continue }
            func fail(_ m: String) -> YKCConfigError { YKCConfigError(source: source, line: lineNumber, m) }
            guard cells.count <= 5 else { throw fail("\(cells.count) cells; expected pile,station,operator,model,rated_kw") }
            guard let code = parsePileCode(cells[0]) else {
                throw fail("pile code \(cells[0]) is not 14 hex digits (the login frame's BCD code, e.g. 32010600395600)")
            }
            guard cells.count >= 2, !cells[1].isEmpty else { throw fail("pile \(cells[0]) has no station") }
            if let previous = firstLine[code] { throw fail("pile \(cells[0]) is already listed on line \(previous)") }
            if cells.count >= 5, !cells[4].isEmpty, Double(cells[4]) == nil {
                throw fail("rated_kw \(cells[4]) is not a number")
            }
            firstLine[code] = lineNumber
            entries[code] = YKCPileInfo(station: cells[1], operatorName: cells.count > 2 ? cells[2] : "",
                                        model: cells.count > 3 ? cells[3] : "", ratedKilowatts: cells.count > 4 ? cells[4] : "")
        }
        // A registry with lines but no piles would reject every login (piles missing from a
        // registry are rejected by default) without a word: say so instead.
        if entries.isEmpty && contentLines > 0 {
            throw YKCConfigError(source: source, line: 0, "no piles in \(contentLines) line(s): expected a line "
                                 + "pile,station[,operator,model,rated_kw] per pile after the optional header")
        }
        return YKCPileRegistry(entries: entries)
    }

    /// Packs 14 hex digits into a pile code; `nil` if the text is anything else.
    public static func parsePileCode(_ text: String) -> UInt64? {
        guard text.utf8.count == 14, text.utf8.allSatisfy({ $0 < 0x80 && ($0 as UInt8).isHexDigit }) else { return nil }
        return UInt64(text, radix: 16)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
