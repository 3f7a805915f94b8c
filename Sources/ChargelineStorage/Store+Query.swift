package import ChargelineCore
import Foundation

extension Store {
    /// The catalog (series, tags, fields) of `measurement` in `database`, cached until the
    /// measurement gains series or fields, or the database's heads, segments or deletes
    /// change (see `Database.catalogGeneration(measurement:since:)`). Nil when the database
    /// does not exist.
    package func catalog(database name: String, measurement: String) throws -> SeriesCatalog? {
        try table.with(name) { db in
            let cacheKey = name + "\u{0}" + measurement
            let cached = catalogCache.entry(cacheKey)
            let (generation, holds) = db.catalogGeneration(measurement: measurement, since: cached?.generation)
            if holds, let cached {
                if cached.generation != generation { catalogCache.put(cacheKey, generation: generation, catalog: cached.catalog) }
                return cached.catalog
            }
            let built = try db.buildCatalog(measurement: measurement)
            catalogCache.put(cacheKey, generation: generation, catalog: built)
            return built
        }
    }

    /// Scans `fields` of the series `keys` of `database` over `range` (see `Database.scan`).
    package func scan(database name: String, keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [SeriesScan] {
        guard let scans = try table.with(name, { try $0.scan(keys: keys, fields: fields, range: range) }) else {
            throw ChargelineError(.notFound, "database \(name) not found")
        }
        return scans
    }

    /// The newest point of each of `fields` of each series of `keys` in `range`, flat (see
    /// `Database.latest`).
    package func latest(database name: String, keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [LatestPoint?] {
        guard let points = try table.with(name, { try $0.latest(keys: keys, fields: fields, range: range) }) else {
            throw ChargelineError(.notFound, "database \(name) not found")
        }
        return points
    }

    /// The newest timestamp of any of `fields` of each series of `keys` in `range` (see
    /// `Database.newestTimes`).
    package func newestTimes(database name: String, keys: [[UInt8]], fields: [String], range: TimeRange) throws -> [Int64?] {
        guard let times = try table.with(name, { try $0.newestTimes(keys: keys, fields: fields, range: range) }) else {
            throw ChargelineError(.notFound, "database \(name) not found")
        }
        return times
    }

    /// Whether `database` exists.
    package func hasDatabase(_ name: String) -> Bool { table.contains(name) }
}

/// Catalogs keyed by database and measurement, each with the generation it was built at.
final class CatalogCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (generation: [Int64], catalog: SeriesCatalog)] = [:]

    func get(_ key: String, generation: [Int64]) -> SeriesCatalog? {
        lock.lock(); defer { lock.unlock() }
        guard let e = entries[key], e.generation == generation else { return nil }
        return e.catalog
    }

    /// The entry of `key` whatever its generation.
    func entry(_ key: String) -> (generation: [Int64], catalog: SeriesCatalog)? {
        lock.lock(); defer { lock.unlock() }
        return entries[key]
    }

    func put(_ key: String, generation: [Int64], catalog: SeriesCatalog) {
        lock.lock(); defer { lock.unlock() }
        entries[key] = (generation, catalog)
    }
}
