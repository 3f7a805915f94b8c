import Dispatch
import Synchronization

/// Compresses one head's sealed chunks off the writer's thread.
///
/// A chunk is sealed by the writer (`HeadColumn`, under the database's lock) with its values
/// as they are and its statistics, and handed here; a job on Dispatch's utility pool encodes it
/// with the segment codecs and swaps the bytes in (`HeadChunk.compress`). Encoding was about
/// half the writer's work per value; done here it overlaps the next batch's parse and write
/// instead of delaying the batch's acknowledgement. Readers see the same values either way.
///
/// Contract: at most one job per head runs at a time, taking the chunks queued so far, until
/// none is left; `releasedBytes` grows by what each compression gave back, so the head's
/// `memoryBytes` (counted at the uncompressed size when sealed) comes down as jobs finish.
/// Thread-safe.
package final class HeadSealing: Sendable {
    private struct State {
        var chunks: [HeadChunk] = []
        var running = false
    }

    private let state = Mutex(State())
    private let released = Atomic<Int>(0)
    private let jobs = DispatchGroup()

    package init() {}

    /// Bytes given back by chunks compressed so far.
    package var releasedBytes: Int { released.load(ordering: .relaxed) }

    /// Queues `chunk` for compression, starting a job when none runs.
    func enqueue(_ chunk: HeadChunk) {
        let start = state.withLock { s -> Bool in
            s.chunks.append(chunk)
            if s.running { return false }
            s.running = true
            return true
        }
        guard start else { return }
        jobs.enter()
        DispatchQueue.global(qos: .utility).async { [self] in
            run()
            jobs.leave()
        }
    }

    private func run() {
        var batch: [HeadChunk] = []
        while true {
            state.withLock { s in
                swap(&batch, &s.chunks)
                if batch.isEmpty { s.running = false }
            }
            if batch.isEmpty { return }
            var saved = 0
            for i in batch.indices {
                // Held by nothing else: its head was flushed and dropped meanwhile.
                if isKnownUniquelyReferenced(&batch[i]) { continue }
                saved &+= batch[i].compress()
            }
            released.add(saved, ordering: .relaxed)
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Waits until every chunk queued so far is compressed (tests and statistics that
    /// compare bytes held).
    package func wait() {
        jobs.wait()
    }
}
