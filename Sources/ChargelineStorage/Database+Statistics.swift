extension Database {
    /// The figures `DatabaseStatistics` describes; takes the lock only to copy counters.
    package func statistics() -> DatabaseStatistics {
        lock.lock()
        let headSeries = active.seriesCount
        let headValues = active.valueCount + frozen.reduce(0) { $0 + $1.head.valueCount }
        let headBytes = active.memoryBytes + frozen.reduce(0) { $0 + $1.head.memoryBytes }
        let (segments, segmentBytes, _) = segmentSet.totals()
        lock.unlock()
        var walBytes = FileIO.list(walDirectory).reduce(0) { $0 + (FileIO.fileSize(walDirectory + "/" + $1) ?? 0) }
        var stats = DatabaseStatistics(
            name: name, headSeries: headSeries, headValues: headValues, headBytes: headBytes, walBytes: 0,
            segments: segments, segmentBytes: segmentBytes, rollupSegments: 0, rollupBytes: 0,
            rollupStaleBuckets: 0, rollupWatermark: nil, retentionDroppedBytes: 0, quarantinedSegments: segmentSet.quarantinedCount)
        if let child = rollupChild {
            let c = child.statistics()
            walBytes += c.walBytes
            stats.rollupSegments = c.segments
            stats.rollupBytes = c.segmentBytes
            stats.quarantinedSegments += c.quarantinedSegments
            let figures = rollups.statistics()
            stats.rollupStaleBuckets = figures.staleBuckets
            stats.rollupWatermark = figures.watermark
            stats.retentionDroppedBytes = figures.droppedBytes
        }
        stats.walBytes = walBytes
        return stats
    }
}
