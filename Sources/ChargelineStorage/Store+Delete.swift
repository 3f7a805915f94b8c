public import ChargelineCore
import Foundation
import Logging

extension Store {
    /// Deletes the points of `measurement` in database `name` with timestamps in `range` of
    /// the series `seriesKeys` (escaped keys as stored; nil: every series of the measurement)
    /// that exist now; points written later stay, whatever their timestamps (InfluxDB 1.x
    /// semantics). Durable when it returns; rollup rows follow; compaction removes the bytes.
    public func delete(database name: String, measurement: String, seriesKeys: [[UInt8]]?, range: TimeRange) throws {
        try withWritable(name, "delete from") { try $0.delete(measurement: measurement, keys: seriesKeys, range: range) }
    }

    /// Drops `measurement` from database `name`: every point of it, its series and its field
    /// types (a later write may give its fields other types).
    public func dropMeasurement(database name: String, measurement: String) throws {
        try withWritable(name, "drop a measurement of") {
            try $0.delete(measurement: measurement, keys: nil, range: .all, dropMeasurement: true)
        }
    }

    /// Removes database `name` (its data, rollups and settings) while the others keep serving;
    /// returns false when there is none. Its folder is first renamed to a trash name (a name
    /// starting with a dot, which is never opened as a database) and the data directory
    /// synced, then removed: a crash half-way leaves the database whole or gone, and a
    /// leftover trash folder is removed at the next start.
    @discardableResult
    public func dropDatabase(_ name: String) throws -> Bool {
        guard !readOnly else { throw ChargelineError(.closed, "the store is open read-only; cannot drop database \(name)") }
        return try table.drop(name) { db in
            db?.closeForDrop()
            let folder = directory + "/" + name
            guard FileIO.isDirectory(folder) else { return }
            let trash = directory + "/" + Store.trashPrefix + name + "-" + String(FileIO.monotonicNanoseconds())
            try FileIO.rename(folder, trash)
            try FileIO.syncDirectory(directory)
            retentionSettings.forget(name)
            Store.removeTree(trash, logger: logger)
        }
    }

    /// Folders of dropped databases start with this (then the name and a number).
    static let trashPrefix = ".trash-"

    /// Removes folders that drops of databases left behind (a crash after the rename).
    func removeTrash() {
        for entry in FileIO.list(directory) where entry.hasPrefix(Store.trashPrefix) {
            Store.removeTree(directory + "/" + entry, logger: logger)
        }
    }

    static func removeTree(_ path: String, logger: Logger) {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            logger.error("could not remove \(path) (a dropped database): \(error); remove it by hand, or it is retried at the next start")
        }
    }

    private func withWritable(_ name: String, _ what: String, _ body: (Database) throws -> Void) throws {
        guard !readOnly else { throw ChargelineError(.closed, "the store is open read-only; cannot \(what) database \(name)") }
        guard try table.with(name, body) != nil else {
            throw ChargelineError(.notFound, "database not found: \(name)")
        }
    }
}
