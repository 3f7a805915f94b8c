import ChargelineCore

extension Database {
    /// Copies this database as it is now into `target` (created; must not hold a database):
    /// its manifest, every segment file the manifest lists (hard links), the rollup state, the
    /// WAL from the manifest's `walReplayFrom` up to the last complete record, then the same
    /// for its rollup tier in the matching sub-folder.
    ///
    /// Consistency: the manifest mutex is held from reading the manifest until every file it
    /// names and every WAL segment it needs has a name in `target`, so neither a compaction,
    /// retention nor a flush can remove one of them first (they remove files only after storing
    /// a new manifest under that mutex). The WAL segments from `walReplayFrom` hold everything
    /// written since the listed segments, including heads still being flushed; every record
    /// acknowledged before this call is in them. Writers are not blocked: they never take the
    /// manifest mutex. Opening a copy of `target` replays that WAL tail.
    func snapshot(into target: String, files: inout Int, bytes: inout Int64) throws {
        try FileIO.makeDirectories(target)
        try snapshotFiles(into: target, files: &files, bytes: &bytes)
        // The tier's own manifest mutex, taken after this one is released (never nested).
        if let child = rollupChild {
            let folder = child.directory.split(separator: "/").last.map(String.init) ?? "rollup"
            try child.snapshot(into: target + "/" + folder, files: &files, bytes: &bytes)
        }
    }

    /// This database's own files, under its manifest mutex.
    private func snapshotFiles(into target: String, files: inout Int, bytes: inout Int64) throws {
        try segmentSet.withStoredManifest {
            guard let manifest = try Manifest.load(directory: directory) else { return }
            func take(_ from: String, _ to: String, copy: Bool = false) throws {
                if copy { try FileIO.writeFile(to, FileIO.readAll(from)) } else { try FileIO.linkOrCopy(from, to) }
                files += 1
                bytes += Int64(FileIO.fileSize(to) ?? 0)
            }
            // Small files that are replaced atomically (never modified in place): a copy.
            try take(directory + "/" + FileNames.manifest, target + "/" + FileNames.manifest, copy: true)
            if rollupChild != nil, FileIO.fileSize(directory + "/" + RollupState.fileName) != nil {
                // Stored before each manifest that drops the WAL holding its late rows, so under the
                // manifest mutex it covers every segment this manifest lists.
                try rollups.withStoredStateUnchanged {
                    try take(directory + "/" + RollupState.fileName, target + "/" + RollupState.fileName, copy: true)
                }
            }
            var folders = Set<Int64>()
            for info in manifest.segments {
                let folder = FileNames.partitionsDirectory + "/" + FileNames.partition(start: info.partitionStart)
                if folders.insert(info.partitionStart).inserted { try FileIO.makeDirectories(target + "/" + folder) }
                let name = folder + "/" + FileNames.segment(info.id)
                try take(directory + "/" + name, target + "/" + name)
            }
            try snapshotWAL(from: manifest.walReplayFrom, into: target + "/" + FileNames.walDirectory, files: &files, bytes: &bytes)
        }
    }

    /// WAL segments with id >= `fromID`: every one but the last is finished (the committer
    /// creates a segment only after writing the previous one out), so it is linked; the last
    /// may be growing, so its bytes are read and cut at the last complete record.
    private func snapshotWAL(from fromID: UInt64, into target: String, files: inout Int, bytes: inout Int64) throws {
        let ids = FileIO.list(walDirectory).compactMap { FileNames.id(of: $0, suffix: FileNames.walSuffix) }.filter { $0 >= fromID }.sorted()
        guard let last = ids.last else { return }
        try FileIO.makeDirectories(target)
        for id in ids {
            let from = walDirectory + "/" + FileNames.walSegment(id)
            let to = target + "/" + FileNames.walSegment(id)
            if id != last {
                try FileIO.linkOrCopy(from, to)
            } else {
                let content = try FileIO.readAll(from)
                let keep = content.withUnsafeBytes { WALRecord.completePrefix($0) }
                guard keep > 0 else { continue }
                try FileIO.writeFile(to, Array(content[..<keep]))
            }
            files += 1
            bytes += Int64(FileIO.fileSize(to) ?? 0)
        }
    }
}
