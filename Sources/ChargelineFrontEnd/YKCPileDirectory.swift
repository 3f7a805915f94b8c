import ChargelineCore
public import ChargelineIngest
import Foundation
public import Logging

/// The pile registry as the front-end uses it: a snapshot that can be replaced while piles
/// are connected (SIGHUP, or a changed modification time seen by the poll), plus the policy
/// for unknown piles.
///
/// Connections look up their pile at login and re-read their tags when `generation` moves,
/// so a reload retags live piles within one frame. A pile removed from the registry stays
/// connected until it logs in again (then the unknown-pile policy applies).
public final class YKCPileDirectory: Sendable {
    private struct Snapshot {
        var registry: YKCPileRegistry
        var generation: Int
        var modified: Date?
    }

    /// The registry file, if any.
    public let path: String?
    /// What happens to unknown piles.
    public let unknownPiles: UnknownPiles
    private let state: Locked<Snapshot>
    private let logger: Logger

    /// Loads the registry at `path` (or starts empty when `nil`).
    /// - Throws: `ChargelineError` (`.badInput`) naming the file and line of the first problem.
    public init(path: String?, unknownPiles: UnknownPiles, logger: Logger) throws {
        self.path = path
        self.unknownPiles = unknownPiles
        self.logger = logger
        var snapshot = Snapshot(registry: YKCPileRegistry(), generation: 0, modified: nil)
        if let path {
            let (registry, modified) = try Self.load(path)
            snapshot.registry = registry
            snapshot.modified = modified
            logger.info("pile registry loaded", metadata: ["file": "\(path)", "piles": "\(registry.count)",
                                                           "unknownPiles": "\(unknownPiles.rawValue)"])
        }
        state = Locked(snapshot)
    }

    /// A directory over an in-memory registry (tests).
    public init(registry: YKCPileRegistry, unknownPiles: UnknownPiles, logger: Logger) {
        path = nil
        self.unknownPiles = unknownPiles
        self.logger = logger
        state = Locked(Snapshot(registry: registry, generation: 0, modified: nil))
    }

    private static func load(_ path: String) throws -> (YKCPileRegistry, Date?) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ChargelineError(.io, "cannot read the pile registry \(path): \(error); check the path given with --registry",
                                  cause: error)
        }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        do {
            return (try YKCPileRegistry.parse(text, source: path), modified)
        } catch {
            throw ChargelineError(.badInput, "pile registry: \(error)", cause: error)
        }
    }

    /// The registry's piles now.
    package var entries: [UInt64: YKCPileInfo] { state.withLock { $0.registry.entries } }

    /// Every entry by its id as written in the file (OCPP charge point ids, YKC codes as text).
    package var entriesByID: [String: YKCPileInfo] { state.withLock { $0.registry.byID } }

    /// The registry entry of OCPP charge point `id` (or a YKC code written as text), `nil` when
    /// it is not registered: the OCPP front-end applies its own unknown-charge-point policy.
    package func registered(id: String) -> (info: YKCPileInfo?, generation: Int) {
        state.withLock { s in (s.registry[id: id], s.generation) }
    }

    /// Bumped by every successful reload.
    package var generation: Int { state.withLock { $0.generation } }

    /// The tags for pile `code`: its registry entry; `unregistered` when unknown piles are
    /// accepted; `nil` when it must be rejected.
    package func lookup(_ code: UInt64) -> (info: YKCPileInfo?, generation: Int) {
        state.withLock { s in
            if let info = s.registry[code] { return (info, s.generation) }
            return (unknownPiles == .accept ? YKCPileInfo.unregistered : nil, s.generation)
        }
    }

    /// Re-reads the file. On error the old registry stays and the error is logged.
    /// - Returns: whether a new registry was installed.
    @discardableResult
    public func reload() -> Bool {
        guard let path else { return false }
        do {
            let (registry, modified) = try Self.load(path)
            let generation = state.withLock { s -> Int in
                s.registry = registry
                s.modified = modified
                s.generation += 1
                return s.generation
            }
            logger.notice("pile registry reloaded", metadata: ["file": "\(path)", "piles": "\(registry.count)",
                                                               "generation": "\(generation)"])
            return true
        } catch {
            logger.error("pile registry reload failed; keeping the previous one", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Reloads when the file's modification time changed since the last load.
    package func reloadIfModified() {
        guard let path else { return }
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        // Remember the time even if the reload fails, so a broken file is reported once,
        // not every poll; the next save retries.
        let changed = state.withLock { s -> Bool in
            guard modified != nil && modified != s.modified else { return false }
            s.modified = modified
            return true
        }
        if changed { reload() }
    }
}
