import ChargelineCore
import Foundation

/// Reads a file in large chunks; names ending in `.gz` are decompressed by a `gzip -dc`
/// child process (zlib is not in Foundation on Linux, and gzip streams at disk speed).
final class ChunkReader {
    /// 8 MiB: about 50,000 telemetry lines per parse and write, few syscalls.
    static let chunkSize = 8 << 20
    private let handle: FileHandle
    private let process: Process?
    private let path: String

    init(path: String) throws {
        self.path = path
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ChargelineError(.notFound, "cannot read \(path): no such file or no permission")
        }
        if path.hasSuffix(".gz") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gzip", "-dc", path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            process = p
            handle = pipe.fileHandleForReading
        } else {
            guard let h = FileHandle(forReadingAtPath: path) else {
                throw ChargelineError(.io, "cannot open \(path)")
            }
            handle = h
            process = nil
        }
    }

    /// The next chunk, or nil at the end.
    func read() throws -> [UInt8]? {
        let data = try handle.read(upToCount: ChunkReader.chunkSize) ?? Data()
        if data.isEmpty {
            if let process {
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    throw ChargelineError(.badInput, "\(path): gzip -dc exited with status \(process.terminationStatus); the file is not valid gzip")
                }
            }
            return nil
        }
        return [UInt8](data)
    }
}
