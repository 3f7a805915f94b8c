package import ChargelineCore
import ChargelineFrontEnd
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hands out transaction ids and remembers open transactions across restarts, in one text
/// file (`ocpp-transactions.log` in the state directory):
///
/// ```
/// N <next id>                                          first line after a compaction
/// S <id> <chargePoint> <connector> <meterStart Wh> <start ns> <idTag>   a start
/// E <id>                                               a stop
/// ```
///
/// Fields are tab-separated. Every record is written and `fsync`ed before StartTransaction
/// (or StopTransaction) is answered, so an id answered once is never answered again, even
/// after a crash. Opening the file reads every record (a torn last line is ignored), then
/// rewrites it with only the next id and the open transactions (temp file, fsync, rename).
///
/// Ids: with `stride` > 1 (gateway processes sharing a port), process `offset` hands out only
/// ids congruent to `offset` modulo `stride`, so processes never collide. Ids start at 1.
package final class OCPPTransactionLedger: Sendable {
    private struct State {
        var next: Int64
        var open: [Int64: OCPPTransaction]
        var fd: Int32
    }

    /// The ledger file.
    package let path: String
    private let stride: Int64
    private let offset: Int64
    private let state: Locked<State>
    private let queue = DispatchQueue(label: "chargeline.ocpp-ledger")

    /// Opens (or creates) the ledger in `directory`.
    /// - Throws: `ChargelineError` (`.io`) when the directory or file cannot be created or written.
    package init(directory: String, stride: Int = 1, offset: Int = 0) throws {
        precondition(stride >= 1 && (0..<stride).contains(offset), "BUG: ledger stride \(stride) offset \(offset)")
        self.stride = Int64(stride)
        self.offset = Int64(offset)
        path = directory + "/ocpp-transactions.log"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ChargelineError(.io, "cannot create the OCPP state directory \(directory): \(error); check permissions", cause: error)
        }
        var next: Int64 = 1
        var open: [Int64: OCPPTransaction] = [:]
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                switch f.first {
                case "N"?:
                    if f.count >= 2, let n = Int64(f[1]) { next = max(next, n) }
                case "S"? where f.count >= 7:
                    guard let id = Int64(f[1]), let connector = Int(f[3]) else { continue }
                    open[id] = OCPPTransaction(id: id, chargePoint: f[2], connector: connector, idTag: f[6].isEmpty ? nil : f[6],
                                               meterStart: Int64(f[4]), startTime: Int64(f[5]))
                    next = max(next, id + 1)
                case "E"?:
                    if f.count >= 2, let id = Int64(f[1]) {
                        open[id] = nil
                        next = max(next, id + 1)
                    }
                default:
                    continue  // a torn last line from a crash mid-append
                }
            }
        }
        var compacted = "N\t\(next)\n"
        for t in open.values.sorted(by: { $0.id < $1.id }) { compacted += Self.startRecord(t) }
        let temp = path + ".tmp"
        let fd = try Self.open(temp, truncate: true)
        do {
            try Self.writeAll(fd, compacted, temp)
            guard fsync(fd) == 0 else { throw Self.ioError("fsync", temp) }
            close(fd)
            guard rename(temp, path) == 0 else { throw Self.ioError("rename to \(path)", temp) }
        } catch {
            close(fd)
            throw error
        }
        state = Locked(State(next: next, open: open, fd: try Self.open(path, truncate: false)))
    }

    deinit {
        state.withLock { s in _ = close(s.fd) }
    }

    /// The transactions started and not stopped.
    package var openTransactions: [OCPPTransaction] { state.withLock { Array($0.open.values) }.sorted { $0.id < $1.id } }

    /// The open transaction `id`, if any.
    package func transaction(_ id: Int64) -> OCPPTransaction? { state.withLock { $0.open[id] } }

    /// Assigns the next id to `t` (its `id` is ignored), records it durably, and calls
    /// `completion` (on the ledger's queue) with the transaction or the failure.
    package func start(_ t: OCPPTransaction, completion: @escaping @Sendable (Result<OCPPTransaction, ChargelineError>) -> Void) {
        queue.async { [self] in
            let (record, fd, assigned) = state.withLock { s -> (String, Int32, OCPPTransaction) in
                var id = s.next
                let r = ((id % stride) + stride) % stride
                if r != offset { id += (offset - r + stride) % stride }
                s.next = id + 1
                var t = t
                t.id = id
                s.open[id] = t
                return (Self.startRecord(t), s.fd, t)
            }
            do {
                try Self.writeAll(fd, record, path)
                guard fsync(fd) == 0 else { throw Self.ioError("fsync", path) }
                completion(.success(assigned))
            } catch {
                _ = state.withLock { $0.open.removeValue(forKey: assigned.id) }
                completion(.failure(error as? ChargelineError ?? ChargelineError(.io, "\(error)")))
            }
        }
    }

    /// Records the stop of `id` (durably) and calls `completion` on the ledger's queue with the
    /// transaction it closed (nil when it was not open here: stopped twice, or started elsewhere).
    package func stop(_ id: Int64, completion: @escaping @Sendable (Result<OCPPTransaction?, ChargelineError>) -> Void) {
        queue.async { [self] in
            let (t, fd) = state.withLock { s in (s.open.removeValue(forKey: id), s.fd) }
            do {
                if t != nil {
                    try Self.writeAll(fd, "E\t\(id)\n", path)
                    guard fsync(fd) == 0 else { throw Self.ioError("fsync", path) }
                }
                completion(.success(t))
            } catch {
                if let t { state.withLock { $0.open[id] = t } }
                completion(.failure(error as? ChargelineError ?? ChargelineError(.io, "\(error)")))
            }
        }
    }

    private static func clean(_ s: String) -> String {
        String(s.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    private static func startRecord(_ t: OCPPTransaction) -> String {
        "S\t\(t.id)\t\(clean(t.chargePoint))\t\(t.connector)\t\(t.meterStart.map(String.init) ?? "")\t"
            + "\(t.startTime.map(String.init) ?? "")\t\(clean(t.idTag ?? ""))\n"
    }

    private static func ioError(_ what: String, _ path: String) -> ChargelineError {
        ChargelineError(.io, "OCPP transaction ledger \(path): \(what) failed: \(String(cString: strerror(errno))); "
                        + "check the disk and permissions of the data directory")
    }

    private static func open(_ path: String, truncate: Bool) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw ioError("open", path) }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ text: String, _ path: String) throws {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw ioError("write", path) }
            done += n
        }
    }
}
