/// A hash table from series key bytes to a dense series index, built for the write hot path:
/// lookups of existing keys hash and compare raw bytes and allocate nothing.
///
/// Open addressing with linear probing over a power-of-two slot array that stores the 64-bit
/// hash and index; keys live back to back in one arena. Not thread-safe (the head's lock
/// guards it).
package struct SeriesTable: Sendable {
    private var slots: [Slot]
    private var arena: [UInt8] = []
    private var starts: [Int] = []
    private var mask: Int

    private struct Slot: Sendable {
        var hash: UInt64 = 0
        var index: Int32 = -1
    }

    package init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = Array(repeating: Slot(), count: n)
        mask = n - 1
    }

    /// Number of keys.
    package var count: Int { starts.count }

    /// The bytes of key `index`.
    package func key(_ index: Int) -> ArraySlice<UInt8> {
        let end = index + 1 < starts.count ? starts[index + 1] : arena.count
        return arena[starts[index]..<end]
    }

    /// Bytes held by the table.
    package var memoryBytes: Int { arena.capacity + slots.capacity * 16 + starts.capacity * 8 }

    /// The index of `key`, inserting it with the next index when absent.
    package mutating func indexInserting(_ key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        let h = SeriesTable.hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot.index < 0 { break }
            if slot.hash == h && equals(Int(slot.index), key) { return (Int(slot.index), false) }
            i = (i + 1) & mask
        }
        let index = starts.count
        starts.append(arena.count)
        arena.append(contentsOf: key)
        slots[i] = Slot(hash: h, index: Int32(index))
        if starts.count * 2 > slots.count { grow() }
        return (index, true)
    }

    /// The index of `key`, or nil.
    package func index(of key: UnsafeRawBufferPointer) -> Int? {
        let h = SeriesTable.hash(key)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot.index < 0 { return nil }
            if slot.hash == h && equals(Int(slot.index), key) { return Int(slot.index) }
            i = (i + 1) & mask
        }
    }

    private func equals(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = starts[index]
        let end = index + 1 < starts.count ? starts[index + 1] : arena.count
        guard end - start == key.count else { return false }
        return arena.withUnsafeBytes { a in
            memcmp(a.baseAddress! + start, key.baseAddress!, key.count) == 0
        }
    }

    private mutating func grow() {
        let n = slots.count * 2
        var fresh = Array(repeating: Slot(), count: n)
        let m = n - 1
        for slot in slots where slot.index >= 0 {
            var i = Int(truncatingIfNeeded: slot.hash) & m
            while fresh[i].index >= 0 { i = (i + 1) & m }
            fresh[i] = slot
        }
        slots = fresh
        mask = m
    }

    /// 64-bit FNV-1a over 8-byte words with a final avalanche (fast, good enough for keys
    /// that differ in a few digits; collisions are resolved by comparing bytes).
    @inline(__always)
    package static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var i = 0
        let n = key.count
        while n - i >= 8 {
            h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            h ^= h >> 29
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(key[i])) &* 0x0000_0100_0000_01B3
            i += 1
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}

#if canImport(Glibc)
import Glibc
#endif
