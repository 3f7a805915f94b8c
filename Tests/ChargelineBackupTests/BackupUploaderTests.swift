import Foundation
import Testing
@testable import ChargelineBackup

/// Backups of a folder to a directory target: whole, incremental, restorable, checked.
@Suite struct BackupUploaderTests {
    final class Folder {
        let path = NSTemporaryDirectory() + "chargeline-backup-test-" + UUID().uuidString
        init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        func write(_ relative: String, _ bytes: [UInt8]) {
            let url = URL(fileURLWithPath: path + "/" + relative)
            try! FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try! Data(bytes).write(to: url)
        }

        /// relative path -> bytes of every file.
        func content() -> [String: [UInt8]] {
            var out: [String: [UInt8]] = [:]
            for entry in try! LocalFile.walk(path) { out[entry.path] = Array(FileManager.default.contents(atPath: path + "/" + entry.path)!) }
            return out
        }
    }

    func bytes(_ n: Int, seed: UInt8) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    @Test func secondBackupUploadsOnlyWhatChangedAndBothRestore() async throws {
        let source = Folder(), target = Folder()
        source.write("db/MANIFEST", bytes(100, seed: 1))
        source.write("db/partitions/20261120T000000Z/00000000000000000001.seg", bytes(300_000, seed: 2))
        source.write("db/partitions/20261121T000000Z/00000000000000000002.seg", bytes(2_500_000, seed: 3))
        source.write("db/wal/00000000000000000003.wal", bytes(5_000, seed: 4))
        let first = source.content()
        let dir = DirectoryTarget(root: target.path)

        let one = try await BackupUploader.upload(folder: source.path, id: "20261207T000000.000Z", to: dir)
        #expect(one.files == 4 && one.uploadedFiles == 4 && one.hashedFiles == 4 && one.previous == nil)
        #expect(one.uploadedBytes == one.bytes)

        // A day later: one new segment, the manifest and the WAL replaced, old segments as they were.
        source.write("db/MANIFEST", bytes(120, seed: 5))
        source.write("db/partitions/20261122T000000Z/00000000000000000004.seg", bytes(700_000, seed: 6))
        try FileManager.default.removeItem(atPath: source.path + "/db/wal/00000000000000000003.wal")
        source.write("db/wal/00000000000000000005.wal", bytes(6_000, seed: 7))
        let second = source.content()
        let two = try await BackupUploader.upload(folder: source.path, id: "20261208T000000.000Z", to: dir)
        #expect(two.previous == "20261207T000000.000Z")
        #expect(two.files == 5)
        #expect(two.uploadedFiles == 3, "only the new segment, the manifest and the WAL: \(two)")
        #expect(two.uploadedBytes == 120 + 700_000 + 6_000)
        #expect(two.hashedFiles == 3, "unchanged segments reuse the previous checksum")

        #expect(try await BackupRestorer.backups(in: dir) == ["20261207T000000.000Z", "20261208T000000.000Z"])
        let latest = Folder()
        let restored = try await BackupRestorer.restore(from: dir, into: latest.path)
        #expect(restored.id == "20261208T000000.000Z")
        #expect(latest.content() == second)
        let older = Folder()
        _ = try await BackupRestorer.restore(from: dir, id: "20261207T000000.000Z", into: older.path)
        #expect(older.content() == first, "a later backup never changes an earlier one")
    }

    @Test func aBackupWithoutItsManifestDoesNotExist() async throws {
        let source = Folder(), target = Folder()
        source.write("db/MANIFEST", bytes(100, seed: 1))
        let dir = DirectoryTarget(root: target.path)
        _ = try await BackupUploader.upload(folder: source.path, id: "a", to: dir)
        // An upload interrupted before its manifest: objects only.
        try FileManager.default.removeItem(atPath: target.path + "/" + BackupManifest.key(id: "a"))
        #expect(try await BackupRestorer.backups(in: dir).isEmpty)
        await #expect(throws: BackupError.self) { try await BackupRestorer.restore(from: dir, into: Folder().path) }
    }

    @Test func aDamagedObjectIsNamedOnRestore() async throws {
        let source = Folder(), target = Folder()
        source.write("db/partitions/20261120T000000Z/00000000000000000001.seg", bytes(10_000, seed: 2))
        let dir = DirectoryTarget(root: target.path)
        _ = try await BackupUploader.upload(folder: source.path, id: "a", to: dir)
        let objects = try await dir.list(prefix: BackupManifest.objects)
        let key = try #require(objects.keys.first)
        var data = try Data(contentsOf: URL(fileURLWithPath: target.path + "/" + key))
        data[5000] ^= 1
        try data.write(to: URL(fileURLWithPath: target.path + "/" + key))
        do {
            _ = try await BackupRestorer.restore(from: dir, into: Folder().path)
            Issue.record("restore accepted a damaged object")
        } catch let e as BackupError {
            #expect(e.message.contains("00000000000000000001.seg") && e.message.contains("damaged"), "\(e)")
        }
    }

    @Test func listingParsesPagesAndEscapes() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?><ListBucketResult><IsTruncated>true</IsTruncated>\
            <Contents><Key>p/objects/ab&amp;c</Key><Size>12</Size></Contents>\
            <Contents><Key>p/backups/x.json</Key><LastModified>2026</LastModified><Size>3</Size></Contents>\
            <NextContinuationToken>tok/en=</NextContinuationToken></ListBucketResult>
            """
        let listing = S3ListParser.parse(xml)
        #expect(listing.objects.map(\.0) == ["p/objects/ab&c", "p/backups/x.json"])
        #expect(listing.objects.map(\.1) == [12, 3])
        #expect(listing.isTruncated && listing.nextToken == "tok/en=")
    }

    @Test func targetsParse() async throws {
        let s3 = try BackupTargets.parse("s3://bucket/some/prefix/", s3: S3Configuration(endpoint: "http://127.0.0.1:1", region: "us-east-1", accessKey: "a", secretKey: "b"))
        #expect(s3.description == "s3://bucket/some/prefix")
        await s3.close()
        #expect(try BackupTargets.parse("/tmp/x/").description == "/tmp/x")
        #expect(throws: BackupError.self) { try S3Configuration.fromEnvironment([:]) }
        let env = try S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_REGION": "eu-west-1"])
        #expect(env.endpoint == "https://s3.eu-west-1.amazonaws.com")
        // The config file fills in what the environment lacks; the environment wins.
        let mixed = try S3Configuration.fromEnvironment(["AWS_ACCESS_KEY_ID": "k"],
                                                        fallback: ["AWS_ACCESS_KEY_ID": "other", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": "http://127.0.0.1:8333/"])
        #expect(mixed.accessKey == "k" && mixed.secretKey == "s" && mixed.endpoint == "http://127.0.0.1:8333")
    }
}
