import Foundation

/// Where an S3-compatible store is and how to sign for it.
package struct S3Configuration: Sendable {
    /// `http://127.0.0.1:8333` or `https://s3.eu-west-1.amazonaws.com`: scheme, host, port.
    package var endpoint: String
    package var region: String
    package var accessKey: String
    package var secretKey: String

    package init(endpoint: String, region: String, accessKey: String, secretKey: String) {
        self.endpoint = endpoint
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// From the standard variables: `AWS_ENDPOINT_URL` (default: AWS in the region),
    /// `AWS_REGION` or `AWS_DEFAULT_REGION` (default `us-east-1`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`; `fallback` (the config file's values under the same names)
    /// fills in what the environment does not set.
    package static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment,
                                        fallback: [String: String] = [:]) throws -> S3Configuration {
        func value(_ name: String) -> String? {
            if let v = environment[name], !v.isEmpty { return v }
            if let v = fallback[name], !v.isEmpty { return v }
            return nil
        }
        let region = value("AWS_REGION") ?? value("AWS_DEFAULT_REGION") ?? "us-east-1"
        guard let access = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") else {
            throw BackupError("S3 credentials missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a store other than AWS), or [backup] access_key_id and secret_access_key in --config")
        }
        var endpoint = value("AWS_ENDPOINT_URL") ?? "https://s3.\(region).amazonaws.com"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        guard endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://") else {
            throw BackupError("AWS_ENDPOINT_URL \(endpoint) must start with http:// or https://")
        }
        return S3Configuration(endpoint: endpoint, region: region, accessKey: access, secretKey: secret)
    }
}
