import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Testing

@Suite("HTTP /ping, /query and routing")
struct HTTPRoutingTests {
    @Test("GET and HEAD /ping answer 204 with InfluxDB headers; verbose answers the version")
    func ping() async throws {
        try await withServer { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let get = try await c.request("GET", "/ping")
                #expect(get.status == 204)
                #expect(get.header("X-Influxdb-Version") == "1.8.10-chargeline")
                try await c.send(TestConnection.encode("HEAD", "/ping"))
                let head = try await c.readResponse(isHead: true)
                #expect(head.status == 204)
                #expect(head.header("X-Influxdb-Build") == "OSS")
                let verbose = try await c.request("GET", "/ping?verbose=true")
                #expect(verbose.status == 200)
                #expect(verbose.body == "{\"version\":\"1.8.10-chargeline\"}")
            }
        }
    }

    @Test("Content-Encoding: gzip on a bodiless /ping or /query (influxdb-python's gzip=True) is ignored")
    func gzipHeaderWithoutBody() async throws {
        try await withServer { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let gzip = ["Content-Encoding": "gzip", "Accept-Encoding": "gzip"]
                #expect(try await c.request("GET", "/ping", headers: gzip).status == 204)
                let query = try await c.request("GET", "/query?q=SHOW+DATABASES", headers: gzip)
                #expect(query.status == 200)
                #expect(query.body.hasPrefix("{\"results\""))
                // A POST with an empty body and Content-Length: 0 is bodiless too.
                let post = try await c.request("POST", "/query?q=SHOW+DATABASES", headers: gzip)
                #expect(post.status == 200)
            }
        }
    }

    @Test("CREATE DATABASE then SHOW DATABASES, by GET and by form POST")
    func databases() async throws {
        try await withServer { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                let create = try await c.request("GET", "/query?q=CREATE+DATABASE+%22piles%22")
                #expect(create.status == 200)
                #expect(create.body == "{\"results\":[{\"statement_id\":0}]}")
                let form = Array("q=create%20database%20stations".utf8)
                let create2 = try await c.request("POST", "/query", body: form,
                                                  headers: ["Content-Type": "application/x-www-form-urlencoded"])
                #expect(create2.status == 200)
                let show = try await c.request("POST", "/query", body: Array("q=SHOW+DATABASES".utf8),
                                               headers: ["Content-Type": "application/x-www-form-urlencoded"])
                #expect(show.status == 200)
                #expect(show.header("Content-Type") == "application/json")
                #expect(show.body == """
                    {"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],\
                    "values":[["piles"],["stations"]]}]}]}
                    """)
            }
            #expect(Set(sink.databases()) == ["piles", "stations"])
        }
    }

    @Test("other statements, a missing q and unknown paths are InfluxDB-shaped errors")
    func errors() async throws {
        try await withServer { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let select = try await c.request("GET", "/query?db=d&q=SELECT+*+FROM+cpu")
                #expect(select.status == 400)
                #expect(select.body.hasPrefix("{\"error\":\"statement not supported yet: SELECT * FROM cpu"))
                let missing = try await c.request("GET", "/query?db=d")
                #expect(missing.status == 400)
                let unknown = try await c.request("GET", "/nope")
                #expect(unknown.status == 404)
                #expect(unknown.body.hasPrefix("{\"error\":\"not found"))
            }
            #expect(server.stats.requests == 3)
        }
    }

    @Test("/ykc/sessions records gateway claims, answers evictions, and names a bad line")
    func ykcSessions() async throws {
        try await withServer { server, _ in
            try await TestConnection.with(port: server.httpPort!) { c in
                let a = try await c.request("POST", "/ykc/sessions?gateway=a", body: Array("32010200000001\n32010200000002\n".utf8))
                #expect(a.status == 200)
                #expect(a.body.hasPrefix("{\"boot\":\"\(server.ykcSessions.boot)\",\"evict\":[]}"))
                let b = try await c.request("POST", "/ykc/sessions?gateway=b", body: Array("32010200000002\r\n".utf8))
                #expect(b.body.hasSuffix("\"evict\":[]}"))
                let again = try await c.request("POST", "/ykc/sessions?gateway=a")
                #expect(again.body.hasSuffix("\"evict\":[\"32010200000002\"]}"))
                let bad = try await c.request("POST", "/ykc/sessions?gateway=a", body: Array("32010200000003\nnot-a-pile\n".utf8))
                #expect(bad.status == 400)
                #expect(bad.body.contains("line 2"))
                let hex = try await c.request("POST", "/ykc/sessions?gateway=a", body: Array("3201020000000A\n".utf8))
                #expect(hex.status == 400, "pile codes are decimal digits")
                let anonymous = try await c.request("POST", "/ykc/sessions", body: [])
                #expect(anonymous.status == 400)
                let get = try await c.request("GET", "/ykc/sessions?gateway=a")
                #expect(get.status == 405)
            }
            #expect(server.ykcSessions.count == 2, "the bad request stored nothing")
        }
    }

    @Test("Connection: close is honoured; keep-alive serves several requests on one connection")
    func connectionHandling() async throws {
        try await withServer { server, _ in
            let tail = try await TestConnection.with(port: server.httpPort!) { c in
                for _ in 0..<3 { #expect(try await c.request("GET", "/ping").status == 204) }
                try await c.send(TestConnection.encode("GET", "/ping", headers: ["Connection": "close"]))
                let last = try await c.readResponse()
                #expect(last.status == 204)
                #expect(last.header("Connection") == "close")
                return try await c.readToEnd()
            }
            #expect(tail.isEmpty)
        }
    }

    @Test("a chunked body over the limit is refused without buffering it")
    func chunkedTooLarge() async throws {
        try await withServer(configure: { $0.maxBodySize = 64 }) { server, sink in
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                let chunk = String(repeating: "m v=1 1\n", count: 5)  // 40 bytes
                let body = "28\r\n\(chunk)\r\n28\r\n\(chunk)\r\n0\r\n\r\n"
                try await c.send("POST /write?db=d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(body)")
                return try await c.readResponse()
            }
            #expect(response.status == 413)
            #expect(sink.writeCount == 0)
        }
    }
}
