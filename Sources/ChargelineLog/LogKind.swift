/// What a log file holds: the owner whose records it frames. Written in every segment header,
/// so a WAL segment is never read as a spool segment or the other way round.
///
/// Every kind is declared here, in one place, so two owners never take the same byte. The byte
/// is an ASCII letter so a hex dump names the kind. Never renumber.
package struct LogKind: Hashable, Sendable, CustomStringConvertible {
    /// The byte in the segment header.
    package let rawValue: UInt8
    /// What the kind is called in messages ("WAL segment").
    package let name: String

    /// A kind with header byte `rawValue`, called `name` in messages.
    package init(rawValue: UInt8, name: String) {
        self.rawValue = rawValue
        self.name = name
    }

    /// A storage write-ahead log segment (`wal/*.wal`, docs/format/wal.md): `W`.
    package static let wal = LogKind(rawValue: UInt8(ascii: "W"), name: "WAL segment")
    /// A gateway spool segment (`*.spool`, docs/format/spool.md): `S`.
    package static let spool = LogKind(rawValue: UInt8(ascii: "S"), name: "gateway spool segment")

    /// Every kind this build knows, to name a file's kind in an error.
    package static let known: [LogKind] = [.wal, .spool]

    /// The kind whose header byte is `byte`, or nil when this build knows none.
    package static func named(_ byte: UInt8) -> LogKind? { known.first { $0.rawValue == byte } }

    /// `WAL segment ('W')`.
    package var description: String { "\(name) ('\(Character(Unicode.Scalar(rawValue)))')" }
}
