import ChargelineCore
import ChargelineIngest
import Foundation

/// The pieces of one HTTP `/write` body on their way through the sink, and what each came
/// back with: the event loop registers each piece as it parses it (`add`), the sink's
/// completions report in (`complete`) on any thread, and whichever of the last completion and
/// the end of parsing (`finishParsing`) comes second says the write is answered, once.
/// Thread-safe.
final class WritePieces: @unchecked Sendable {
    struct Piece {
        var parseErrors: [LineProtocolError]
        /// The line of each point handed to the sink.
        var pointLines: [Int32]
        var pointCount: Int
        /// Nil until the sink answered (always nil for a piece without points).
        var outcome: WriteOutcome?
    }

    private let lock = NSLock()
    private var pieces: [Piece] = []
    private var pending = 0
    private var parsing = true

    /// Registers the next piece (`pointCount` points handed to the sink, 0 when every line of
    /// it failed to parse); returns its index for `complete`.
    func add(parseErrors: [LineProtocolError], pointLines: [Int32], pointCount: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        pieces.append(Piece(parseErrors: parseErrors, pointLines: pointLines, pointCount: pointCount, outcome: nil))
        if pointCount > 0 { pending += 1 }
        return pieces.count - 1
    }

    /// Records the sink's outcome for piece `index`; true when this was the last piece
    /// outstanding and parsing is over (the caller answers the write).
    func complete(_ index: Int, _ outcome: WriteOutcome) -> Bool {
        lock.lock(); defer { lock.unlock() }
        pieces[index].outcome = outcome
        pending -= 1
        return pending == 0 && !parsing
    }

    /// Called once the last piece is registered; true when no piece is outstanding (the caller
    /// answers the write).
    func finishParsing() -> Bool {
        lock.lock(); defer { lock.unlock() }
        parsing = false
        return pending == 0
    }

    /// Every piece, in body order (call once the write is answered: nothing changes after).
    var all: [Piece] {
        lock.lock(); defer { lock.unlock() }
        return pieces
    }
}
