/// The matcher: a Thompson NFA simulation over UTF-8 bytes decoded to scalars on the fly.
/// Each input scalar advances every live state once; a state already live at a position is
/// not added again, so the work per scalar is bounded by the program size. Only whether a
/// match exists is computed (Go's `MatchString`), so there are no capture slots and the
/// search stops at the first accepting state.
extension RegexProgram {
    /// Whether the pattern matches anywhere in `text` (UTF-8; an invalid byte reads as
    /// U+FFFD, one byte wide, as in Go). The state sets (20 bytes per instruction) live in
    /// temporary storage, on the stack where the runtime finds room for them.
    ///
    /// `stop`, when given, is called before the first input scalar and then every
    /// `scalarsPerStopCheck` scalars; when it returns true the search gives up and answers
    /// false (the caller is abandoning the work and discards the answer).
    func matches(_ text: UnsafeBufferPointer<UInt8>, stop: (() -> Bool)? = nil) -> Bool {
        let n = insts.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 5 * n) { buffer in
            let base = buffer.baseAddress!
            base.initialize(repeating: 0, count: 5 * n)
            defer { base.deinitialize(count: 5 * n) }
            return insts.withUnsafeBufferPointer { code in
                sets.withUnsafeBufferPointer { sets in
                    var machine = Machine(code: code, sets: sets, stack: base + 4 * n,
                                          current: StateSet(sparse: base, dense: base + n),
                                          next: StateSet(sparse: base + 2 * n, dense: base + 3 * n))
                    return machine.run(text, anchored: anchoredAtStart, leadBytes: leadBytes, stop: stop)
                }
            }
        }
    }
}

/// A set of program counters with O(1) insert, lookup and clear (Briggs-Torczon sparse set).
private struct StateSet {
    let sparse: UnsafeMutablePointer<Int32>
    let dense: UnsafeMutablePointer<Int32>
    var count: Int32 = 0

    @inline(__always) func contains(_ pc: Int32) -> Bool {
        let k = sparse[Int(pc)]
        return k < count && dense[Int(k)] == pc
    }

    @inline(__always) mutating func insert(_ pc: Int32) {
        sparse[Int(pc)] = count
        dense[Int(count)] = pc
        count += 1
    }
}

private struct Machine {
    let code: UnsafeBufferPointer<RegexProgram.Inst>
    let sets: UnsafeBufferPointer<ScalarSet>
    let stack: UnsafeMutablePointer<Int32>
    var current: StateSet
    var next: StateSet

    /// No scalar (before the start or past the end of the text).
    static let none: Int32 = -1

    mutating func run(_ text: UnsafeBufferPointer<UInt8>, anchored: Bool, leadBytes: [Bool]?, stop: (() -> Bool)?) -> Bool {
        let count = text.count
        var pos = 0
        var untilStopCheck = 0
        var previous = Self.none
        var (scalar, width) = count > 0 ? Self.decode(text, 0) : (Self.none, 0)
        while true {
            if current.count == 0 {
                if anchored && pos > 0 { return false }
                if let leadBytes, !anchored {
                    var q = pos
                    while q < count && !leadBytes[Int(text[q])] { q += 1 }
                    // A program with lead bytes cannot match the empty string.
                    if q == count { return false }
                    if q != pos {
                        pos = q
                        previous = Self.decodeBefore(text, q)
                        (scalar, width) = Self.decode(text, q)
                    }
                }
            }
            if !anchored || pos == 0 {
                if Self.add(&current, 0, Self.flags(previous, scalar), code, stack) { return true }
            }
            if pos >= count { return false }
            if let stop {
                if untilStopCheck == 0 {
                    if stop() { return false }
                    untilStopCheck = RegexProgram.scalarsPerStopCheck
                }
                untilStopCheck -= 1
            }
            let after = pos + width
            let (following, followingWidth) = after < count ? Self.decode(text, after) : (Self.none, 0)
            let flags = Self.flags(scalar, following)
            for k in 0..<Int(current.count) {
                let pc = current.dense[k]
                let inst = code[Int(pc)]
                if inst.op == .scalars, sets[Int(inst.arg)].contains(UInt32(scalar)) {
                    if Self.add(&next, pc + 1, flags, code, stack) { return true }
                }
            }
            swap(&current, &next)
            next.count = 0
            previous = scalar
            pos = after
            scalar = following
            width = followingWidth
        }
    }

    /// Adds `pc` and every state reachable from it without consuming input at a position
    /// with assertion `flags`; true when the match state is reached.
    @inline(__always)
    static func add(_ set: inout StateSet, _ pc: Int32, _ flags: UInt8, _ code: UnsafeBufferPointer<RegexProgram.Inst>,
                    _ stack: UnsafeMutablePointer<Int32>) -> Bool {
        if set.contains(pc) { return false }
        set.insert(pc)
        stack[0] = pc
        var top = 1
        @inline(__always) func push(_ t: Int32) {
            if !set.contains(t) {
                set.insert(t)
                stack[top] = t
                top += 1
            }
        }
        while top > 0 {
            top -= 1
            let pc = stack[top]
            let inst = code[Int(pc)]
            switch inst.op {
            case .match: return true
            case .scalars: continue
            case .jump: push(inst.arg)
            case .split:
                push(inst.alt)
                push(inst.arg)
            case .assert:
                let need = UInt8(truncatingIfNeeded: inst.arg)
                if flags & need == need { push(pc + 1) }
            }
        }
        return false
    }

    /// The assertion flags that hold between `before` and `after` (`none` at the ends).
    @inline(__always)
    static func flags(_ before: Int32, _ after: Int32) -> UInt8 {
        var f: RegexNode.Assertion = []
        if before == none { f.formUnion([.beginText, .beginLine]) } else if before == 10 { f.insert(.beginLine) }
        if after == none { f.formUnion([.endText, .endLine]) } else if after == 10 { f.insert(.endLine) }
        f.insert(isWord(before) != isWord(after) ? .wordBoundary : .notWordBoundary)
        return f.rawValue
    }

    /// ASCII word characters, as Go's `\b`.
    @inline(__always)
    static func isWord(_ c: Int32) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || (c >= 0x61 && c <= 0x7A)
    }

    /// The scalar at `i` and its width; U+FFFD and width 1 for an invalid sequence.
    @inline(__always)
    static func decode(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Int32, Int) {
        let b0 = t[i]
        if b0 < 0x80 { return (Int32(b0), 1) }
        let n = t.count
        @inline(__always) func cont(_ k: Int) -> Int32? {
            guard k < n, t[k] & 0xC0 == 0x80 else { return nil }
            return Int32(t[k] & 0x3F)
        }
        switch b0 {
        case 0xC2...0xDF:
            if let c1 = cont(i + 1) { return (Int32(b0 & 0x1F) << 6 | c1, 2) }
        case 0xE0...0xEF:
            if let c1 = cont(i + 1), let c2 = cont(i + 2) {
                let v = Int32(b0 & 0x0F) << 12 | c1 << 6 | c2
                if v >= 0x800 && !(0xD800...0xDFFF).contains(v) { return (v, 3) }
            }
        case 0xF0...0xF4:
            if let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) {
                let v = Int32(b0 & 0x07) << 18 | c1 << 12 | c2 << 6 | c3
                if v >= 0x10000 && v <= 0x10FFFF { return (v, 4) }
            }
        default:
            break
        }
        return (0xFFFD, 1)
    }

    /// The scalar that ends at `i` (> 0).
    static func decodeBefore(_ t: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int32 {
        var start = i - 1
        while start > max(0, i - 4), t[start] & 0xC0 == 0x80 { start -= 1 }
        let (v, w) = decode(t, start)
        return start + w == i ? v : 0xFFFD
    }
}
