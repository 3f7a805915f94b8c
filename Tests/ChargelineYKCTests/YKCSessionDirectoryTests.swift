import Foundation
import NIOEmbedded
import Testing
@testable import ChargelineFrontEnd
@testable import ChargelineYKC

/// The node's record of which gateway each pile last logged in on.
@Suite struct YKCSessionDirectoryTests {
    @Test("a pile claimed by another gateway is handed back to its first gateway once, as an eviction")
    func laterClaimEvictsEarlier() {
        let d = YKCSessionDirectory()
        #expect(d.claim(gateway: "a", piles: [1, 2, 3]) == [])
        #expect(d.claim(gateway: "b", piles: [2]) == [])
        #expect(d.claim(gateway: "a", piles: []) == [2])
        #expect(d.claim(gateway: "a", piles: []) == [], "each eviction is answered once")
        #expect(d.claim(gateway: "b", piles: []) == [])
        #expect(d.count == 3)
    }

    @Test("a gateway that claims a pile again in the same call keeps it, and the other gateway is evicted")
    func reclaimWins() {
        let d = YKCSessionDirectory()
        _ = d.claim(gateway: "a", piles: [7])
        _ = d.claim(gateway: "b", piles: [7])
        #expect(d.claim(gateway: "a", piles: [7]) == [], "a's newer login supersedes its pending eviction")
        #expect(d.claim(gateway: "b", piles: []) == [7])
    }

    @Test("claims within one gateway never evict it")
    func sameGateway() {
        let d = YKCSessionDirectory()
        _ = d.claim(gateway: "a", piles: [5, 5, 5])
        #expect(d.claim(gateway: "a", piles: [5]) == [])
    }

    @Test("a gateway silent for ten minutes is forgotten with its pending evictions")
    func forgetsSilentGateways() {
        let d = YKCSessionDirectory()
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        _ = d.claim(gateway: "a", piles: [1], now: t0)
        _ = d.claim(gateway: "b", piles: [1], now: t0.addingTimeInterval(1))
        _ = d.claim(gateway: "b", piles: [], now: t0.addingTimeInterval(YKCSessionDirectory.forgetAfterSeconds + 2))
        #expect(d.claim(gateway: "a", piles: [], now: t0.addingTimeInterval(YKCSessionDirectory.forgetAfterSeconds + 3)) == [])
    }

    @Test("the session table answers claims in login order and evicts only sessions the claims covered")
    func tableClaimsAndEvictions() throws {
        let table = YKCSessionTable(announcing: true)
        let channels = (0..<4).map { _ in EmbeddedChannel() }
        _ = table.register(10, channels[0])
        _ = table.register(11, channels[1])
        let first = table.takeClaims(limit: 100)
        #expect(first.piles.map(\.pile) == [10, 11])
        #expect(first.through == 2)
        // Pile 11 logs in again here after the claims were sent: the node's eviction of 11
        // (answering those claims) must not close the newer connection.
        _ = table.register(11, channels[2])
        #expect(table.evict(11, through: first.through) == nil)
        #expect(table.evict(10, through: first.through) === channels[0])
        #expect(table.count == 1)
        // A connection that closed before its claim went out is not claimed.
        _ = table.register(12, channels[3])
        table.remove(12, channels[3])
        let second = table.takeClaims(limit: 100)
        #expect(second.piles.map(\.pile) == [11])
        #expect(second.through == 4)
        // Limits split the queue; `through` stops before the first claim left behind.
        _ = table.register(20, channels[0])
        _ = table.register(21, channels[1])
        let limited = table.takeClaims(limit: 1)
        #expect(limited.piles.map(\.pile) == [20])
        #expect(limited.through == 5)
        // A restarted node is sent every current session again, oldest login first.
        let all = table.takeClaims(limit: 100, all: true)
        #expect(all.piles.map(\.pile) == [11, 20, 21])
    }
}
