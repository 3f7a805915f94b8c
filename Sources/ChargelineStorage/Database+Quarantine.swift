import ChargelineCore
import Foundation

extension Database {
    /// The folder damaged files are moved to: `<database>/quarantine/` (docs/format.md).
    var quarantineDirectory: String { segmentSet.quarantineDirectory }

    /// The start-up check of a writable open: every listed segment gets the cheap check
    /// (`SegmentReader.checkAtOpen`: size, header, footer, index checksum; no block read).
    /// A segment that fails it is moved to `quarantine/`, logged with its file, byte offset and
    /// what is wrong, and dropped from the manifest (one atomic manifest swap for all of them),
    /// so the rest of the database serves. A listed file that is missing is dropped the same
    /// way. A file whose header and footer both name a newer segment version refuses the open
    /// instead (an older build on a newer store must not drop what it cannot read). Damage the cheap check cannot see (a block's bytes) is found by the read that hits
    /// it, which fails with an error naming the file, and by `chargeline verify`.
    func quarantineDamagedSegments() throws {
        var dropped: [(SegmentInfo, String)] = []
        for info in segmentSet.manifestCopy.segments {
            let path = segmentSet.path(of: info)
            guard FileIO.fileSize(path) != nil else {
                dropped.append((info, "listed in the manifest but missing"))
                continue
            }
            let reader = SegmentReader(info: info, path: path)
            // A newer build's file is not damage: the open is refused, nothing is moved.
            if let newer = reader.writtenByNewerBuild() { throw newer }
            do {
                try reader.checkAtOpen(partitionDuration: partitionDuration)
            } catch {
                let target = try quarantine(path)
                dropped.append((info, "\(error); moved to \(target)"))
            }
        }
        guard !dropped.isEmpty else { return }
        let ids = Set(dropped.map { $0.0.id })
        try segmentSet.dropQuarantined(ids)
        for (info, what) in dropped {
            logger.error("database \(name): segment \(FileNames.segment(info.id)) quarantined and dropped from the manifest (\(info.rows) rows, \(info.values) values, \(StoreVerifier.timeRange(info)) lost unless restored from a backup): \(what)")
        }
    }

    /// Moves `path` into `quarantine/` (a new name when one is taken) and syncs both folders;
    /// returns where it went.
    func quarantine(_ path: String) throws -> String {
        try Database.quarantine(path, into: quarantineDirectory)
    }

    /// Moves `path` into `folder` (created when absent; `1-<name>`, `2-<name>` ... when the
    /// name is taken) and syncs both folders; returns where it went.
    package static func quarantine(_ path: String, into folder: String) throws -> String {
        try FileIO.makeDirectories(folder)
        let name = String(path.split(separator: "/").last ?? "file")
        var target = folder + "/" + name
        var n = 1
        while FileIO.fileSize(target) != nil {
            target = folder + "/\(n)-" + name
            n += 1
        }
        try FileIO.rename(path, target)
        try FileIO.syncDirectory(folder)
        if let slash = path.lastIndex(of: "/") { try FileIO.syncDirectory(String(path[..<slash])) }
        return target
    }
}
