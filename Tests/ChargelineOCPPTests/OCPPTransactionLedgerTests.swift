import ChargelineCore
@testable import ChargelineOCPP
import Foundation
import Testing

/// Transaction ids: unique, durable across a reopen (a restart), and disjoint between processes.
@Suite struct OCPPTransactionLedgerTests {
    private func withDirectory(_ body: (String) throws -> Void) rethrows {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-ledger-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir)
    }

    private func start(_ ledger: OCPPTransactionLedger, _ cp: String = "CP-1", meterStart: Int64 = 100) throws -> OCPPTransaction {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<OCPPTransaction, ChargelineError>?
        ledger.start(OCPPTransaction(id: 0, chargePoint: cp, connector: 1, idTag: "TAG\t1", meterStart: meterStart, startTime: 5)) {
            result = $0
            done.signal()
        }
        done.wait()
        return try #require(result).get()
    }

    private func stop(_ ledger: OCPPTransactionLedger, _ id: Int64) throws -> OCPPTransaction? {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<OCPPTransaction?, ChargelineError>?
        ledger.stop(id) {
            result = $0
            done.signal()
        }
        done.wait()
        return try #require(result).get()
    }

    @Test func idsSurviveARestartAndOpenTransactionsToo() throws {
        try withDirectory { dir in
            var ledger: OCPPTransactionLedger? = try OCPPTransactionLedger(directory: dir)
            let a = try start(ledger!)
            let b = try start(ledger!)
            #expect((a.id, b.id) == (1, 2))
            #expect(try stop(ledger!, a.id)?.meterStart == 100)
            #expect(try stop(ledger!, a.id) == nil, "a second stop finds nothing open")
            ledger = nil
            let reopened = try OCPPTransactionLedger(directory: dir)
            #expect(reopened.openTransactions.map(\.id) == [2])
            #expect(reopened.transaction(2)?.idTag == "TAG 1", "a tab in the idTag cannot break the record")
            #expect(try start(reopened).id == 3)
        }
    }

    /// Even when every transaction was stopped (the compacted file keeps no start record), the
    /// next id is past the last one handed out.
    @Test func idsAreNotReusedAfterAllStopped() throws {
        try withDirectory { dir in
            do {
                let ledger = try OCPPTransactionLedger(directory: dir)
                for _ in 0..<3 { _ = try stop(ledger, try start(ledger).id) }
            }
            do { _ = try OCPPTransactionLedger(directory: dir) }  // compacts to "N 4"
            let ledger = try OCPPTransactionLedger(directory: dir)
            #expect(try start(ledger).id == 4)
        }
    }

    @Test func aTornLastLineIsIgnored() throws {
        try withDirectory { dir in
            do {
                let ledger = try OCPPTransactionLedger(directory: dir)
                _ = try start(ledger)
            }
            let handle = try #require(FileHandle(forWritingAtPath: dir + "/ocpp-transactions.log"))
            handle.seekToEndOfFile()
            handle.write(Data("S\t9".utf8))
            try handle.close()
            let ledger = try OCPPTransactionLedger(directory: dir)
            #expect(ledger.openTransactions.map(\.id) == [1])
            #expect(try start(ledger).id == 2)
        }
    }

    @Test func processesSharingAPortNeverCollide() throws {
        try withDirectory { dir in
            let first = try OCPPTransactionLedger(directory: dir + "/0", stride: 3, offset: 0)
            let second = try OCPPTransactionLedger(directory: dir + "/1", stride: 3, offset: 1)
            let ids = try (0..<4).flatMap { _ in [try start(first).id, try start(second).id] }
            #expect(Set(ids).count == ids.count)
            #expect(ids.allSatisfy { $0 >= 1 })
            #expect(ids.filter { $0 % 3 == 0 }.count == 4)
            #expect(ids.filter { $0 % 3 == 1 }.count == 4)
        }
    }
}
