import ChargelineFrontEnd
import ChargelineIngest
import NIOCore

extension HTTPAPIHandler {
    /// `POST /ykc/sessions?gateway=NAME`: the body lists the piles that logged in on gateway
    /// NAME since its last call, one 14-digit pile code per line, in login order. Answers 200
    /// with `{"boot":"<node start id>","evict":["<pile code>",...]}`: the piles NAME must
    /// close because they logged in on another gateway since. See docs/operations.md.
    func handleYKCSessions(gateway: String, body: ByteBuffer, context: ChannelHandlerContext) {
        var piles: [UInt64] = []
        var lineNumber = 0
        for line in body.readableBytesView.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            var text = Substring(decoding: line, as: UTF8.self)
            if text.last == "\r" { text = text.dropLast() }
            if text.isEmpty { continue }
            // Pile codes are BCD: decimal digits, read as hex give the packed value.
            guard text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let code = UInt64(text, radix: 16) else {
                respond(status: 400, json: JSON.error(
                    "line \(lineNumber): \(JSON.quoteForMessage(String(text.prefix(40)))) is not a pile code; send one 14-digit code per line"),
                        context: context)
                return
            }
            guard piles.count < api.maxYKCClaims else {
                api.stats.metrics?.countQuotaRefusal(quota: "max_ykc_claims")
                respond(status: 400, json: JSON.error(
                    "max-ykc-claims limit exceeded: one call may claim at most \(api.maxYKCClaims) piles; nothing of this call was claimed; send them in several calls, or raise the limit (--max-ykc-claims)"),
                        context: context)
                return
            }
            piles.append(code)
        }
        let evict = api.ykcSessions.claim(gateway: gateway, piles: piles)
        var json = "{\"boot\":\(JSON.string(api.ykcSessions.boot)),\"evict\":["
        for (i, code) in evict.enumerated() {
            if i > 0 { json += "," }
            json += "\"\(YKCBytes.packedText(code, digits: 14))\""
        }
        json += "]}"
        respond(status: 200, json: json, context: context)
    }
}
