import ChargelineCore

extension Database {
    /// Where this database's bytes go (`ByteBreakdown`), then its rollup tier's; `name` is how
    /// the folder is shown (the rollup tier's adds `/` and its folder name).
    package func byteBreakdown(name: String) throws -> [ByteBreakdown] {
        let partitions = segmentSet.partitions
        let readers = partitions.keys.sorted().flatMap { partitions[$0]! }
        var out = ByteBreakdown(store: name)
        var segmentPaths = Set<String>()
        for reader in readers {
            try out.add(segment: reader)
            segmentPaths.insert(reader.path)
        }
        // Every other file under the folder, the rollup tier's folder left to it.
        let skip = rollupChild.map(\.directory)
        func walk(_ folder: String, _ relative: String) {
            for entry in FileIO.list(folder) {
                let path = folder + "/" + entry
                if path == skip { continue }
                if FileIO.isDirectory(path) { walk(path, relative + entry + "/"); continue }
                guard !segmentPaths.contains(path) else { continue }
                out.otherFiles[relative + entry] = FileIO.fileSize(path) ?? 0
            }
        }
        walk(directory, "")
        out.totalBytes = out.segmentBytes + out.otherFiles.values.reduce(0, +)
        guard let child = rollupChild else { return [out] }
        let folder = String(child.directory.split(separator: "/").last ?? "rollup")
        return [out] + (try child.byteBreakdown(name: name + "/" + folder))
    }
}
