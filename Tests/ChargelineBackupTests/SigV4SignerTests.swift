import Foundation
import Testing
@testable import ChargelineBackup

/// The signer against the worked examples of AWS's "Signature Calculations for the
/// Authorization Header" page (S3 API reference): same inputs, same signatures.
@Suite struct SigV4SignerTests {
    let signer = SigV4Signer(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    /// 2013-05-24T00:00:00Z.
    let date = Date(timeIntervalSince1970: 1_369_353_600)

    @Test func getObjectExample() {
        let headers = signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
                                  headers: [("Range", "bytes=0-9")], payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: date)
        let auth = headers.first { $0.0 == "Authorization" }?.1
        #expect(auth == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20130524T000000Z")
        #expect(headers.first { $0.0 == "x-amz-content-sha256" }?.1 == SigV4Signer.emptyPayloadSHA256)
    }

    /// "GET Bucket (List Objects)": query parameters are encoded and sorted.
    @Test func listObjectsExample() {
        let headers = signer.sign(method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/",
                                  query: [("prefix", "J"), ("max-keys", "2")], payloadSHA256: SigV4Signer.emptyPayloadSHA256, date: date)
        let auth = headers.first { $0.0 == "Authorization" }?.1 ?? ""
        #expect(auth.hasSuffix("SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
    }

    @Test func pathsAndQueriesAreEncodedAsSigV4Wants() {
        #expect(SigV4Signer.encodePath("/bucket/a b/c+d/é~_.-") == "/bucket/a%20b/c%2Bd/%C3%A9~_.-")
        #expect(SigV4Signer.encode("a/b=c", keepSlash: false) == "a%2Fb%3Dc")
    }

    @Test func timestampIsUTC() {
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_796_621_712)) == "20261207T053512Z")
    }
}
