/// A pattern compiled to a Thompson NFA: instructions run by `RegexProgram.matches`, which
/// keeps a set of states (at most one thread per instruction) and so runs in
/// O(instructions x input length) time whatever the pattern.
struct RegexProgram: Sendable {
    /// Most instructions a pattern may compile to. Matching costs up to this much per input
    /// scalar, so it bounds the work of one match (RE2 refuses large programs the same way):
    /// 10,000 keeps `[a-z]{1,1000}` and several such items in, and bounds a match against a
    /// 2 KB tag value to about 20 million steps (tenths of a second).
    static let maxInstructions = 10_000

    /// Input scalars between two calls of a match's `stop` closure: at most about 10 million
    /// steps (a few tens of milliseconds) for the largest program.
    static let scalarsPerStopCheck = 1_024

    enum Op: UInt8, Sendable {
        /// The pattern matched.
        case match
        /// Consume one scalar in `sets[arg]`, then go on at pc + 1.
        case scalars
        /// Go on at `arg`.
        case jump
        /// Go on at both `arg` and `alt`.
        case split
        /// Go on at pc + 1 when the position has every flag in `arg` (`RegexNode.Assertion`).
        case assert
    }

    struct Inst: Sendable {
        var op: Op
        var arg: Int32
        var alt: Int32 = 0
    }

    var insts: [Inst] = []
    var sets: [ScalarSet] = []
    /// Whether a match can only start at the text's start.
    var anchoredAtStart = false
    /// When every match must start with a scalar whose first UTF-8 byte is marked here: the
    /// matcher skips to such bytes while no thread is alive. Nil when a match may start with
    /// anything, or be empty.
    var leadBytes: [Bool]?

    /// Compiles `node`.
    /// - Throws: `RegexError` when the program would pass `maxInstructions`.
    init(_ node: RegexNode) throws {
        var c = Compiler()
        try c.emit(node)
        _ = try c.append(Inst(op: .match, arg: 0))
        insts = c.insts
        sets = c.sets
        anchoredAtStart = node.anchoredAtStart
        leadBytes = Self.leadBytes(insts, sets)
    }

    /// The lead bytes of the scalars that can begin a match, or nil (see `leadBytes`).
    private static func leadBytes(_ insts: [Inst], _ sets: [ScalarSet]) -> [Bool]? {
        var table = [Bool](repeating: false, count: 256)
        var seen = [Bool](repeating: false, count: insts.count)
        var stack = [0]
        while let pc = stack.popLast() {
            if seen[pc] { continue }
            seen[pc] = true
            let inst = insts[pc]
            switch inst.op {
            case .match, .assert: return nil
            case .scalars: sets[Int(inst.arg)].leadBytes(into: &table)
            case .jump: stack.append(Int(inst.arg))
            case .split: stack += [Int(inst.arg), Int(inst.alt)]
            }
        }
        return table
    }

    private struct Compiler {
        var insts: [Inst] = []
        var sets: [ScalarSet] = []
        var setIndex: [ScalarSet: Int32] = [:]

        mutating func append(_ inst: Inst) throws -> Int {
            guard insts.count < RegexProgram.maxInstructions else {
                throw RegexError("pattern too large: it compiles to more than \(RegexProgram.maxInstructions) instructions (RE2 refuses such patterns too); use smaller repeat counts or fewer alternatives", at: 0)
            }
            insts.append(inst)
            return insts.count - 1
        }

        var here: Int32 { Int32(insts.count) }

        mutating func emit(_ node: RegexNode) throws {
            switch node {
            case .empty:
                break
            case .scalars(let set):
                let index: Int32
                if let known = setIndex[set] {
                    index = known
                } else {
                    index = Int32(sets.count)
                    sets.append(set)
                    setIndex[set] = index
                }
                _ = try append(Inst(op: .scalars, arg: index))
            case .assertion(let a):
                _ = try append(Inst(op: .assert, arg: Int32(a.rawValue)))
            case .concat(let items):
                for x in items { try emit(x) }
            case .alternate(let items):
                // split L1, next; L1: a; jump end; next: split L2, next2; ...; last; end:
                var jumps: [Int] = []
                for (k, x) in items.enumerated() {
                    if k == items.count - 1 {
                        try emit(x)
                    } else {
                        let split = try append(Inst(op: .split, arg: here + 1))
                        try emit(x)
                        jumps.append(try append(Inst(op: .jump, arg: 0)))
                        insts[split].alt = here
                    }
                }
                for j in jumps { insts[j].arg = here }
            case .repeat(let x, let min, nil) where min == 0:
                // L: split L1, end; L1: x; jump L; end:
                let split = try append(Inst(op: .split, arg: here + 1))
                try emit(x)
                _ = try append(Inst(op: .jump, arg: Int32(split)))
                insts[split].alt = here
            case .repeat(let x, let min, nil):
                // x{min-1}, then L: x; split L, end
                for _ in 1..<min { try emit(x) }
                let loop = here
                try emit(x)
                _ = try append(Inst(op: .split, arg: loop, alt: here + 1))
            case .repeat(let x, let min, let max?):
                // x{min}, then (x(x(...)?)?)? nested, every split leaving to the end
                for _ in 0..<min { try emit(x) }
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(try append(Inst(op: .split, arg: here + 1)))
                    try emit(x)
                }
                for s in splits { insts[s].alt = here }
            }
        }
    }
}
