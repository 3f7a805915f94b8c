import ArgumentParser
import ChargelineBackup
import ChargelineCore
import ChargelineStorage
import Foundation

/// `chargeline backup`: a consistent snapshot of the store, uploaded incrementally to a
/// directory or an S3-compatible bucket, then removed locally.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up the store (while serve runs, with --server) to a directory or s3://bucket/prefix, incrementally.",
        discussion: """
            With --server, the running server takes the snapshot (POST /api/v1/snapshot) in \
            DATA/.snapshots/; without it the store must be stopped and this command takes it. \
            Only files the target lacks are uploaded (segment files are stored once, by checksum); \
            the backup's manifest is written last. S3: endpoint and credentials from AWS_ENDPOINT_URL, \
            AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION. See docs/operations.md.
            """)

    @OptionGroup var dataOptions: DataOptions

    @Option(name: .long, help: ArgumentHelp("Where the backup goes: a directory or s3://bucket/prefix.", valueName: "target"))
    var to: String

    @Option(name: .long, help: ArgumentHelp("A running server on this machine (http://host:port) that holds --data: it takes the snapshot.", valueName: "url"))
    var server: String?

    @Option(name: .long, help: "Uploads at once (default 4).")
    var concurrency: Int = 4

    @Option(name: .customLong("part-size"), help: ArgumentHelp("S3: part size of multipart uploads, in bytes; a file of more than two parts is sent as parts, 4 at once (default 8 MiB, at least 5 MiB).", valueName: "bytes"))
    var partSize: Int = S3Client.partSize

    func validate() throws {
        // S3 (and SeaweedFS) refuse parts under 5 MiB but the last (EntityTooSmall).
        guard partSize >= 5 << 20 else { throw ValidationError("--part-size must be at least 5242880 bytes (5 MiB, S3's smallest part)") }
    }

    func run() async throws {
        try dataOptions.bootstrapLogging()
        do {
            let target = try BackupTargets.parse(to, fallback: try dataOptions.config.map { try Configuration.load($0).backup } ?? [:],
                                                 partSize: partSize)
            let snapshot = try await takeSnapshot()
            defer { try? FileManager.default.removeItem(atPath: snapshot.path) }
            let summary: BackupSummary
            do {
                summary = try await BackupUploader.upload(folder: snapshot.path, id: snapshot.id, to: target, concurrency: max(1, concurrency))
            } catch {
                await target.close()
                throw error
            }
            await target.close()
            let mb = Double(summary.uploadedBytes) / 1e6
            print("backup \(summary.id) to \(target.description): \(summary.files) files, \(Terminal.format(Double(summary.bytes) / 1e6, 1)) MB; "
                  + "uploaded \(summary.uploadedFiles) files, \(Terminal.format(mb, 1)) MB in \(Terminal.format(summary.seconds, 2)) s "
                  + "(\(Terminal.format(summary.seconds > 0 ? mb / summary.seconds : 0, 1)) MB/s)"
                  + (summary.previous.map { "; the rest were in the target (previous backup \($0))" } ?? ""))
        } catch {
            throw fail(error)
        }
    }

    private func takeSnapshot() async throws -> SnapshotReport {
        let data = dataOptions.data
        if let server {
            let report = try await SnapshotClient(base: server).takeSnapshot()
            guard FileManager.default.fileExists(atPath: report.path) else {
                throw ChargelineError(.notFound, "the server took snapshot \(report.id) at \(report.path), which this machine cannot see; run backup on the server's machine")
            }
            return report
        }
        guard FileIO.isDirectory(data) else {
            throw ChargelineError(.notFound, "data directory \(data) does not exist; pass the folder `chargeline serve --data` uses")
        }
        if DataDirectoryLock.isHeld(data) {
            throw ChargelineError(.closed, "data directory \(data) is in use by a running server; pass --server http://HOST:PORT (its --http address) so the server takes the snapshot")
        }
        let store = try Store(directory: data, options: try dataOptions.storageOptions(background: false))
        do {
            let report = try store.snapshot()
            try store.close()
            return report
        } catch {
            try? store.close()
            throw error
        }
    }
}
