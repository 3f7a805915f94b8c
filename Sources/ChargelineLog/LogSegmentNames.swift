#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Segment file names: `<id, 20 digits zero-padded><suffix>` (`00000000000000000007.wal`), so
/// lexical order is numeric order and a listing shows the log in order. Each owner has its own
/// suffix and folder; ids start at 1 and only grow.
package enum LogSegmentNames {
    /// `00000000000000000042<suffix>`.
    package static func name(_ id: UInt64, suffix: String) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The id of a segment file named `name`, or nil when it is not one (`suffix` included).
    package static func id(of name: String, suffix: String) -> UInt64? {
        guard name.hasSuffix(suffix) else { return nil }
        return UInt64(name.dropLast(suffix.count))
    }

    /// The ids of the segments in `directory` with `suffix`, ascending (empty when the folder
    /// cannot be read).
    package static func list(_ directory: String, suffix: String) -> [UInt64] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var ids: [UInt64] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if let id = id(of: name, suffix: suffix) { ids.append(id) }
        }
        return ids.sorted()
    }
}
