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
    /// The OCPP charge point's HTTP Basic password as `sha256:SALT:HEX` (HEX = SHA-256 of
    /// SALT followed by the password, lower-case); empty = no password. Never a tag.
    public var passwordHash: String

    /// A registry entry.
    public init(station: String, operatorName: String = "", model: String = "", ratedKilowatts: String = "",
                passwordHash: String = "") {
        self.station = station
        self.passwordHash = passwordHash
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

/// The pile registry of every protocol: pile code or OCPP charge point id -> station,
/// operator, model, rated power (and an OCPP password hash). Parsed from CSV:
///
/// ```
/// pile,station,operator,model,rated_kw,password
/// 32010600395600,S0001,GreenCharge,DC120,120
/// 20231212000010,S0002,GreenCharge,AC7,7
/// CP-OSLO-0007,S0003,GreenCharge,Wallbox22,22,sha256:5f1c:9a0e...
/// ```
///
/// - The header line is optional (recognised by its first cell `pile`); `#` lines and blank
///   lines are skipped; cells are trimmed; no quoting (values may not contain commas).
/// - Lines may end in LF, CRLF (Excel, Python's `csv`) or CR; a UTF-8 byte-order mark is ignored.
/// - A file with lines but no pile entry (only a header, say) is an error, not an empty
///   registry that silently rejects every pile.
/// - The pile column is a YKC pile code (the 14 digits of the login frame's BCD code, A-F
///   allowed) or an OCPP charge point id (1-36 printable ASCII characters, no space, `,`, `/`,
///   `:`). An id of digits only must be 14 long: a 13-digit YKC code is a typo, not an OCPP id.
///   A 14-hex-digit id is both: a YKC pile and an OCPP charge point of that id.
/// - `password` (OCPP security profile 1) is `sha256:SALT:HEX`, HEX the lower-case SHA-256 of
///   SALT followed by the password (`chargeline ocpp-password` prints one).
/// - `station` is required, the other columns may be empty or missing.
/// - A pile listed twice is an error (which line wins would be a guess).
public struct YKCPileRegistry: Sendable {
    /// Entries by packed pile code.
    public private(set) var entries: [UInt64: YKCPileInfo]
    /// Every entry by the id as written in the file (OCPP charge point ids, YKC codes too).
    public private(set) var byID: [String: YKCPileInfo]

    /// An empty registry.
    public init() {
        entries = [:]
        byID = [:]
    }

    /// A registry of YKC `entries` and OCPP `byID` entries.
    public init(entries: [UInt64: YKCPileInfo], byID: [String: YKCPileInfo] = [:]) {
        self.entries = entries
        var all = byID
        for (code, info) in entries where all[Self.pileText(code)] == nil { all[Self.pileText(code)] = info }
        self.byID = all
    }

    /// The entry for a pile, if registered.
    public subscript(pileCode: UInt64) -> YKCPileInfo? { entries[pileCode] }

    /// The entry for an OCPP charge point id (or a YKC code as text), if registered.
    public subscript(id id: String) -> YKCPileInfo? { byID[id] }

    /// Number of registered piles and charge points.
    public var count: Int { byID.count }

    /// A packed pile code as its 14 upper-case hex digits.
    static func pileText(_ code: UInt64) -> String {
        let hex = String(code, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 14 - hex.count)) + hex
    }

    /// Whether `text` can be an OCPP charge point id here: 1-36 printable ASCII characters
    /// without space, `,` (the registry's separator), `/` (the URL's) or `:` (HTTP Basic's).
    public static func isValidChargePointID(_ text: String) -> Bool {
        let u = text.utf8
        return (1...36).contains(u.count) && u.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x2C && $0 != 0x2F && $0 != 0x3A }
    }

    /// Parses registry CSV text. `source` names the file in errors.
    /// - Throws: `YKCConfigError` naming the first bad line.
    public static func parse(_ text: String, source: String) throws -> YKCPileRegistry {
        var entries: [UInt64: YKCPileInfo] = [:]
        var byID: [String: YKCPileInfo] = [:]
        var firstLine: [String: Int] = [:]
        var contentLines = 0
        for (index, raw) in YKCConfigText.lines(text).enumerated() {
            let lineNumber = index + 1
            let line = raw.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            contentLines += 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            if cells[0].lowercased() == "pile" { continue }
            func fail(_ m: String) -> YKCConfigError { YKCConfigError(source: source, line: lineNumber, m) }
            guard cells.count <= 6 else { throw fail("\(cells.count) cells; expected pile,station,operator,model,rated_kw,password") }
            let id = cells[0]
            let code = parsePileCode(id)
            let digitsOnly = !id.isEmpty && id.utf8.allSatisfy { (0x30...0x39).contains($0) }
            guard code != nil || (!digitsOnly && isValidChargePointID(id)) else {
                throw fail("pile code \(id) is not 14 hex digits (the login frame's BCD code, e.g. 32010600395600) "
                           + "nor an OCPP charge point id (1-36 printable characters with a letter, no space , / :)")
            }
            guard cells.count >= 2, !cells[1].isEmpty else { throw fail("pile \(id) has no station") }
            if let previous = firstLine[id.uppercased()] { throw fail("pile \(id) is already listed on line \(previous)") }
            if cells.count >= 5, !cells[4].isEmpty, Double(cells[4]) == nil {
                throw fail("rated_kw \(cells[4]) is not a number")
            }
            let password = cells.count > 5 ? cells[5] : ""
            if !password.isEmpty && !isValidPasswordHash(password) {
                throw fail("password of \(id) is not sha256:SALT:HEX (64 lower-case hex digits); "
                           + "make one with `chargeline ocpp-password`")
            }
            firstLine[id.uppercased()] = lineNumber
            let info = YKCPileInfo(station: cells[1], operatorName: cells.count > 2 ? cells[2] : "",
                                   model: cells.count > 3 ? cells[3] : "", ratedKilowatts: cells.count > 4 ? cells[4] : "",
                                   passwordHash: password)
            if let code { entries[code] = info }
            byID[id] = info
        }
        // A registry with lines but no piles would reject every login (piles missing from a
        // registry are rejected by default) without a word: say so instead.
        if byID.isEmpty && contentLines > 0 {
            throw YKCConfigError(source: source, line: 0, "no piles in \(contentLines) line(s): expected a line "
                                 + "pile,station[,operator,model,rated_kw] per pile after the optional header")
        }
        return YKCPileRegistry(entries: entries, byID: byID)
    }

    /// Whether `text` has the shape `sha256:SALT:HEX` (SALT without `:`, HEX 64 lower-case hex digits).
    public static func isValidPasswordHash(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sha256", !parts[1].isEmpty, parts[2].utf8.count == 64 else { return false }
        return parts[2].utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
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
