import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Foundation
import Testing

/// A client that goes away before its `/query` answer cancels the query, so the engine stops
/// the work instead of finishing it for nobody.
@Suite("HTTP /query: client disconnect cancels the query")
struct QueryCancellationTests {
    /// Keeps every request; answers only those whose statement is `SELECT 1` (at once).
    final class HoldingQueryHandler: QueryHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var held: [QueryRequest] = []
        var requests: [QueryRequest] { lock.withLock { held } }

        func handle(_ request: QueryRequest, completion: @escaping @Sendable (QueryResponse) -> Void) {
            lock.withLock { held.append(request) }
            if request.statement == "SELECT 1" {
                completion(QueryResponse(status: 200, json: "{\"results\":[{\"statement_id\":0}]}"))
            }
        }
    }

    @Test("closing the connection while the query runs sets its cancellation")
    func disconnectCancels() async throws {
        let handler = HoldingQueryHandler()
        try await withServer(queryHandler: handler) { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                try await c.send(TestConnection.encode("GET", "/query?db=fleet&q=SELECT+v+FROM+m+WHERE+t+%3D~+%2F(a%2B)%2B%24%2F"))
                #expect(try await eventually { handler.requests.count == 1 })
                #expect(handler.requests.first?.cancellation.reason == nil)
            }
            #expect(try await eventually { handler.requests.first?.cancellation.reason != nil })
            #expect(handler.requests.first?.cancellation.reason?.contains("closed the connection") == true)
        }
    }

    @Test("a query answered before the connection closes is not cancelled")
    func answeredQueryIsNotCancelled() async throws {
        let handler = HoldingQueryHandler()
        try await withServer(queryHandler: handler) { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let r = try await c.request("GET", "/query?q=SELECT+1")
                #expect(r.status == 200)
            }
            try await Task.sleep(nanoseconds: 100_000_000)
            #expect(handler.requests.count == 1)
            #expect(handler.requests.first?.cancellation.reason == nil)
        }
    }
}
