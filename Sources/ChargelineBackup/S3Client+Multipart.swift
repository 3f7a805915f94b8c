#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// Multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
/// AbortMultipartUpload): one large file sent as parts over several connections at once, so a
/// single big segment is not bound by one TCP stream. The object becomes visible only at
/// Complete, whole; an upload that fails is aborted (its parts freed).
extension S3Client {
    /// Parts one multipart upload keeps in flight (the uploader runs several files at once
    /// too; the connection pool allows 16 to the store).
    package static let partsInFlight = 4
    /// Default part size (`backup --part-size`): 8 MiB (S3's minimum is 5 MiB, except the last part). Small enough that a
    /// 30 MB segment makes four parts in flight at once, large enough that the per-request
    /// cost (signing, a round trip) stays under 1% of a part's transfer.
    package static let partSize = 8 << 20

    /// Uploads the file at `path` (`size` bytes) as `key` in `partSize` parts, `concurrency`
    /// in flight at once. Each part is read into memory, its SHA-256 signed, and checked by
    /// the store; the caller has checked the whole file's.
    package func putObjectMultipart(_ key: String, file path: String, size: Int64, partSize: Int = S3Client.partSize,
                                    concurrency: Int) async throws {
        let created = try await send("POST", key: key, query: [("uploads", "")])
        try await check(created, "CreateMultipartUpload", key)
        let text = String(buffer: try await created.body.collect(upTo: 1 << 20))
        guard let uploadID = S3ListParser.element("UploadId", in: text), !uploadID.isEmpty else {
            throw BackupError("CreateMultipartUpload \(description)/\(key): no UploadId in the answer: \(text.prefix(300))")
        }
        let parts = Int((size + Int64(partSize) - 1) / Int64(partSize))
        do {
            let etags = try await BackupUploader.map(Array(1...parts), concurrency: concurrency) { number -> (Int, String) in
                let offset = Int64(number - 1) * Int64(partSize)
                let length = Int(min(Int64(partSize), size - offset))
                let buffer = try Self.readPart(path, offset: offset, length: length)
                let sha = buffer.withUnsafeReadableBytes { SigV4Signer.hex(SHA256.hash(data: $0)) }
                let response = try await self.send("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
                                                   headers: [("content-length", String(length))], payloadSHA256: sha,
                                                   body: .bytes(buffer))
                try await self.check(response, "UploadPart \(number)", key)
                _ = try await response.body.collect(upTo: 1 << 20)
                guard let etag = response.headers.first(name: "etag") else {
                    throw BackupError("UploadPart \(number) \(self.description)/\(key): no ETag in the answer")
                }
                return (number, etag)
            }.sorted { $0.0 < $1.0 }
            var xml = "<CompleteMultipartUpload>"
            for (number, etag) in etags {
                let quoted = etag.hasPrefix("\"") ? etag : "\"\(etag)\""
                xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(quoted.replacingOccurrences(of: "\"", with: "&quot;"))</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            let completed = try await send("POST", key: key, query: [("uploadId", uploadID)],
                                           headers: [("content-length", String(body.count))],
                                           payloadSHA256: SigV4Signer.hex(SHA256.hash(data: body)), body: .bytes(ByteBuffer(bytes: body)))
            try await check(completed, "CompleteMultipartUpload", key)
            // S3 may answer 200 with an error in the body (the completion failed late).
            let answer = String(buffer: try await completed.body.collect(upTo: 1 << 20))
            if answer.contains("<Error>") {
                throw BackupError("CompleteMultipartUpload \(description)/\(key): \(S3ListParser.element("Code", in: answer) ?? "") "
                                  + "\(S3ListParser.element("Message", in: answer) ?? String(answer.prefix(300)))")
            }
        } catch {
            if let aborted = try? await send("DELETE", key: key, query: [("uploadId", uploadID)]) {
                _ = try? await aborted.body.collect(upTo: 1 << 20)
            }
            throw error
        }
    }

    /// `length` bytes of the file at `offset`, in a buffer the request sends as is.
    static func readPart(_ path: String, offset: Int64, length: Int) throws -> ByteBuffer {
        let fd = try LocalFile.open(path, O_RDONLY)
        defer { LocalFile.close(fd) }
        var buffer = ByteBufferAllocator().buffer(capacity: length)
        var done = 0
        while done < length {
            let n = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length - done) { raw in
                let got = pread(fd, raw.baseAddress!, length - done, off_t(offset) + off_t(done))
                guard got >= 0 else { throw BackupError("read \(path) at byte \(offset + Int64(done)) failed: \(String(cString: strerror(errno)))") }
                return got
            }
            guard n > 0 else { throw BackupError("\(path) ended at byte \(offset + Int64(done)) while being backed up, \(length - done) bytes short of the part: the file changed; take a new snapshot") }
            done += n
        }
        return buffer
    }
}
