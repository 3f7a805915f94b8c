import ChargelineCore

/// One fault episode of an alerting rule, from the `alerts` measurement the alert manager writes
/// (docs/alerting.md): from the instance's `firing` point to its `resolved` (or `inactive`)
/// point, for the station, pile and gun its labels name (empty when the rule does not group
/// by them).
public struct AlertEpisode: Sendable, Equatable {
    /// The rule (`alertname`).
    public var rule: String
    public var station: String
    public var pile: String
    public var gun: String
    /// When it fired (ns since the epoch); for a late alert the episode's real start.
    public var start: Int64
    /// When it resolved; nil while it still fires at the end of the report's last day.
    public var end: Int64?
    /// Whether the data behind it arrived late (the alert manager's `late` field).
    public var late: Bool

    public init(rule: String, station: String, pile: String, gun: String, start: Int64, end: Int64?, late: Bool) {
        self.rule = rule
        self.station = station
        self.pile = pile
        self.gun = gun
        self.start = start
        self.end = end
        self.late = late
    }

    /// Whether it fired during `[from, to)`: started before `to` and not resolved by `from`.
    func overlaps(from: Int64, to: Int64) -> Bool { start < to && (end ?? .max) > from }

    /// Report order: station, pile, gun, start, rule.
    static func < (a: AlertEpisode, b: AlertEpisode) -> Bool {
        (a.station, a.pile, a.gun, a.start, a.rule) < (b.station, b.pile, b.gun, b.start, b.rule)
    }

    /// The episodes of one `alerts` series: its `state` and `late` columns (time order), tags
    /// `rule` and labels. A `firing` point opens an episode (a second one while open is the
    /// same episode); `resolved` or `inactive` closes it; `pending` points are not faults.
    static func episodes(rule: String, station: String, pile: String, gun: String,
                         states: [(time: Int64, state: String)], late: [Int64: Bool]) -> [AlertEpisode] {
        var out: [AlertEpisode] = []
        var open: AlertEpisode?
        for (t, state) in states {
            switch state {
            case "firing":
                if open == nil {
                    open = AlertEpisode(rule: rule, station: station, pile: pile, gun: gun, start: t, end: nil, late: late[t] ?? false)
                }
            case "resolved", "inactive":
                guard var e = open else { continue }
                e.end = t
                e.late = e.late || (late[t] ?? false)
                out.append(e)
                open = nil
            default:
                continue
            }
        }
        if let open { out.append(open) }
        return out
    }
}
