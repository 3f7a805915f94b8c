/// Paces cancellation checks in loops whose items cost very different amounts, such as tag
/// values matched by a regex: `check` runs before the first item, then once the work since
/// the last check reaches `budget` units, and at least every `maxItems` items.
struct WorkMeter {
    /// Regex matcher steps (program instructions x bytes) between two checks: about 30 ms.
    static let budget = 1 << 22
    /// Most items between two checks, however cheap.
    static let maxItems = 1_024

    private var spent = WorkMeter.budget
    private let check: () throws -> Void

    /// A meter that calls `check` (which throws to stop the query).
    init(check: @escaping () throws -> Void) {
        self.check = check
    }

    /// Before an item that costs `units`: checks when the budget is spent.
    mutating func spend(_ units: Int) throws {
        if spent >= Self.budget {
            spent = 0
            try check()
        }
        spent += max(units, Self.budget / Self.maxItems)
    }
}
