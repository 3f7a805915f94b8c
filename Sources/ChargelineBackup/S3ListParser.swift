import Foundation

/// Reads the few elements of S3 XML answers a backup needs (ListObjectsV2 pages, errors)
/// without an XML library: S3 writes them flat, one element per name, entities escaped.
enum S3ListParser {
    struct Listing {
        var objects: [(String, Int64)] = []
        var isTruncated = false
        var nextToken: String?
    }

    static func parse(_ xml: String) -> Listing {
        var listing = Listing()
        var rest = Substring(xml)
        while let start = rest.range(of: "<Contents>"), let end = rest.range(of: "</Contents>", range: start.upperBound..<rest.endIndex) {
            let block = String(rest[start.upperBound..<end.lowerBound])
            if let key = element("Key", in: block), let size = element("Size", in: block).flatMap({ Int64($0) }) {
                listing.objects.append((key, size))
            }
            rest = rest[end.upperBound...]
        }
        listing.isTruncated = element("IsTruncated", in: xml) == "true"
        listing.nextToken = element("NextContinuationToken", in: xml)
        return listing
    }

    /// The text of the first `<name>` element, entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"), let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex) else {
            return nil
        }
        return unescape(String(xml[open.upperBound..<close.lowerBound]))
    }

    private static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
