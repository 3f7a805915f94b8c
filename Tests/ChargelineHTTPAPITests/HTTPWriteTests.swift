import ChargelineCore
import ChargelineHTTPAPI
import ChargelineNetworkTestSupport
import Testing

@Suite("HTTP /write")
struct HTTPWriteTests {
    @Test("204 after the sink completes, and the points arrive")
    func writeStores() async throws {
        try await withServer { server, sink in
            let port = try #require(server.httpPort)
            let body = "charge,pile=P1 kw=7.2,on=true 1700000000\ncharge,pile=P2 kw=11i 1700000001\n"
            let response = try await TestConnection.with(port: port) { c in
                try await c.request("POST", "/write?db=piles&precision=s&u=x&p=y&rp=autogen", body: Array(body.utf8))
            }
            #expect(response.status == 204)
            #expect(response.header("X-Influxdb-Version") == "1.8.10-chargeline")
            #expect(response.header("X-Influxdb-Build") == "OSS")
            #expect(response.header("Request-Id") != nil)
            #expect(sink.writes.map(\.database) == ["piles"])
            let points = sink.points
            #expect(points.map(\.key) == ["charge,pile=P1", "charge,pile=P2"])
            #expect(points.map(\.timestamp) == [1_700_000_000_000_000_000, 1_700_000_001_000_000_000])
            #expect(points[0].fields["kw"] == .float(7.2))
            #expect(points[1].fields["kw"] == .integer(11))
            #expect(server.stats.pointsWritten == 2)
            #expect(server.stats.valuesWritten == 3)
            #expect(server.stats.requests == 1)
            #expect(server.stats.bytesReceived > body.utf8.count)
        }
    }

    @Test("bad lines: 400 naming each line, good points still stored")
    func partialWrite() async throws {
        try await withServer { server, sink in
            let body = "cpu v=1 1\nthis is not a point at all\ncpu v=2 2\ncpu\ncpu v=3 3\n"
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array(body.utf8))
            }
            #expect(response.status == 400)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.body.hasPrefix("{\"error\":\"partial write: line 2, column"))
            #expect(response.body.contains("; line 4, column"))
            #expect(response.body.contains("(2 of 5 lines rejected, 3 points stored)"))
            #expect(sink.points.count == 3)
            #expect(server.stats.linesRejected == 2)
        }
    }

    @Test("an unterminated quote then 396 good lines: 396 stored, the opening line named, 1 rejected")
    func unterminatedQuoteKeepsTheLinesAfterIt() async throws {
        try await withServer { server, sink in
            var lines = ["telemetry,pile=P1,gun=1 note=\"pile rebooted,status=2i 1"]
            for n in 2...397 { lines.append("telemetry,pile=P1,gun=1 voltage=400.\(n % 10),status=3i \(n)") }
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array((lines.joined(separator: "\n") + "\n").utf8))
            }
            #expect(response.status == 400)
            #expect(response.body.contains("partial write: line 1, column 30: unterminated string opened at line 1"), "\(response.body)")
            #expect(response.body.contains("(1 of 397 lines rejected, 396 points stored)"), "\(response.body)")
            #expect(sink.points.count == 396)
        }
    }

    @Test("points the sink refuses are reported by line number")
    func sinkRejects() async throws {
        let sink = FakeSink()
        sink.reject = [1: "field type conflict: v is float, got integer"]
        try await withServer(sink: sink) { server, sink in
            let body = "# comment\ncpu v=1 1\n\ncpu v=2i 2\ncpu v=3 3"
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array(body.utf8))
            }
            #expect(response.status == 400)
            #expect(response.body.contains("partial write: line 4: field type conflict: v is float, got integer"))
            #expect(response.body.contains("(1 of 3 lines rejected, 2 points stored)"))
            #expect(server.stats.pointsWritten == 2)
        }
    }

    @Test("/api/v2/write (InfluxDB 2.x clients, Telegraf's influxdb_v2): bucket DB/RP, precision, Token header")
    func v2Write() async throws {
        try await withServer { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                let ok = try await c.request(
                    "POST", "/api/v2/write?org=ops&bucket=piles%2Fautogen&precision=s",
                    body: Array("m,pile=A v=1 10\n".utf8), headers: ["Authorization": "Token any:thing"])
                #expect(ok.status == 204)
                let noBucket = try await c.request("POST", "/api/v2/write?org=ops", body: Array("m v=1 1\n".utf8))
                #expect(noBucket.status == 400)
                #expect(noBucket.body.contains("bucket is required"))
                let badPrecision = try await c.request(
                    "POST", "/api/v2/write?bucket=piles&precision=h", body: Array("m v=1 1\n".utf8))
                #expect(badPrecision.status == 400)
                #expect(try await c.request("GET", "/api/v2/write?bucket=piles").status == 405)
                let health = try await c.request("GET", "/health")
                #expect(health.status == 200)
                #expect(health.body.contains("\"status\":\"pass\""))
            }
            #expect(sink.writes.map(\.database) == ["piles"])
            #expect(sink.points.map(\.timestamp) == [10_000_000_000])
        }
    }

    @Test("a write naming a retention policy other than autogen (Telegraf's retention_policy, a v2 bucket's /RP) is InfluxDB's 500 retention policy not found, nothing stored")
    func unknownRetentionPolicy() async throws {
        try await withServer { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                let body = Array("cpu,host=edge-01 usage_idle=91.5 1795132800000000000\n".utf8)
                let v1 = try await c.request("POST", "/write?db=telegraf&rp=nosuchrp", body: body)
                #expect(v1.status == 500)
                #expect(v1.body.contains("retention policy not found: nosuchrp"), "\(v1.body)")
                let v2 = try await c.request("POST", "/api/v2/write?org=o&bucket=telegraf%2Fnosuchrp", body: body)
                #expect(v2.status == 500)
                #expect(v2.body.contains("retention policy not found: nosuchrp"), "\(v2.body)")
                #expect(sink.points.isEmpty)
                #expect(try await c.request("POST", "/write?db=telegraf&rp=autogen&consistency=any", body: body).status == 204)
            }
            #expect(sink.points.count == 1)
        }
    }

    @Test("database names with control or text-direction characters, or reserved ones, are 400 and nothing is stored")
    func unsafeDatabaseNames() async throws {
        try await withServer { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                for db in ["evil%E2%80%AEtxt", "a%0Ab", "a%1B%5B31m", "snapshots"] {
                    let response = try await c.request("POST", "/write?db=\(db)", body: Array("m v=1 1\n".utf8))
                    #expect(response.status == 400, "\(db)")
                    #expect(response.body.contains("invalid db parameter: database name"), "\(response.body)")
                }
            }
            #expect(sink.writeCount == 0)
        }
    }

    @Test("a gzip body is decompressed")
    func gzipBody() async throws {
        try await withServer { server, sink in
            let compressed = try gzip("m,pile=A v=1 10\nm,pile=B v=2 20\n")
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d&precision=ns", body: compressed,
                                    headers: ["Content-Encoding": "gzip"])
            }
            #expect(response.status == 204)
            #expect(sink.points.map(\.timestamp) == [10, 20])
        }
    }

    @Test("a large body arriving in many segments is stored whole")
    func largeBody() async throws {
        try await withServer { server, sink in
            let body = (0..<20_000).map { "charge,pile=P\($0 % 50) kw=\($0).5,soc=\($0 % 100)i \($0)\n" }.joined()
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array(body.utf8))
            }
            #expect(response.status == 204)
            // Over `writePieceBytes`: handed on in pieces, every point once and in order.
            #expect(sink.writeCount > 1)
            #expect(sink.points.map(\.timestamp) == (0..<20_000).map(Int64.init))
            #expect(server.stats.valuesWritten == 40_000)
        }
    }

    @Test("a body that is not gzip despite Content-Encoding: gzip is 400")
    func badGzip() async throws {
        try await withServer { server, sink in
            let response = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array("m v=1 1\n".utf8),
                                    headers: ["Content-Encoding": "gzip"])
            }
            #expect(response.status == 400)
            #expect(response.body.contains("invalid gzip body"))
            #expect(sink.writeCount == 0)
        }
    }

    @Test("bodies over the limit get 413, plain or gzip-inflated")
    func tooLarge() async throws {
        try await withServer(configure: { $0.maxBodySize = 100 }) { server, sink in
            let big = String(repeating: "m v=1 1\n", count: 20)  // 160 bytes
            let plain = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: Array(big.utf8))
            }
            #expect(plain.status == 413)
            #expect(plain.body == "{\"error\":\"request body too large: the limit is 100 bytes; split the batch\"}")
            let bomb = try gzip(String(repeating: "m v=1 1\n", count: 1000))
            #expect(bomb.count < 100)
            let inflated = try await TestConnection.with(port: server.httpPort!) { c in
                try await c.request("POST", "/write?db=d", body: bomb, headers: ["Content-Encoding": "gzip"])
            }
            #expect(inflated.status == 413)
            #expect(sink.writeCount == 0)
        }
    }

    @Test("missing db, bad db name and bad precision are 400")
    func badParameters() async throws {
        try await withServer { server, sink in
            let body = Array("m v=1\n".utf8)
            try await TestConnection.with(port: server.httpPort!) { c in
                let missing = try await c.request("POST", "/write", body: body)
                #expect(missing.status == 400)
                #expect(missing.body == "{\"error\":\"database is required\"}")
                let badName = try await c.request("POST", "/write?db=..%2Fetc", body: body)
                #expect(badName.status == 400)
                #expect(badName.body.contains("invalid db parameter"))
                let precision = try await c.request("POST", "/write?db=d&precision=fortnight", body: body)
                #expect(precision.status == 400)
                #expect(precision.body.contains("invalid precision \\\"fortnight\\\""))
                let get = try await c.request("GET", "/write?db=d")
                #expect(get.status == 405)
            }
            #expect(sink.writeCount == 0)
        }
    }

    @Test("sink failures are 500, a closed or full store 503 with Retry-After")
    func sinkFailure() async throws {
        let sink = FakeSink()
        sink.failure = ChargelineError(.io, "disk full on /data/wal")
        try await withServer(sink: sink) { server, sink in
            try await TestConnection.with(port: server.httpPort!) { c in
                let r = try await c.request("POST", "/write?db=d", body: Array("m v=1\n".utf8))
                #expect(r.status == 500)
                #expect(r.body.contains("disk full on /data/wal"))
                sink.failure = ChargelineError(.closed, "store is closed")
                let r2 = try await c.request("POST", "/write?db=d", body: Array("m v=1\n".utf8))
                #expect(r2.status == 503)
                // The WAL cannot write (disk full): retry later, nothing was stored.
                sink.failure = ChargelineError(.unavailable, "WAL write failed, nothing of this batch was stored: No space left on device")
                let r3 = try await c.request("POST", "/write?db=d", body: Array("m v=1\n".utf8))
                #expect(r3.status == 503)
                #expect(r3.header("Retry-After") == "1")
                #expect(r3.body.contains("No space left on device"))
            }
            #expect(server.stats.pointsWritten == 0)
        }
    }

    @Test("a body past writePieceBytes reaches the sink in pieces before the first completes, in order, answered once all are done")
    func largeBodyGoesInPieces() async throws {
        let sink = FakeSink()
        sink.delayCompletions = true
        sink.reject = [1: "refused by the test sink"]  // the second point of every piece
        try await withServer(sink: sink, configure: { $0.writePieceBytes = 100 }) { server, sink in
            // Line n carries timestamp n, so a point's timestamp names its line; line 7 is bad.
            let lines = (1...40).map { n in n == 7 ? "m,pile=P1 v=oops 7" : "m,pile=P1 v=\(n) \(n)" }
            let body = Array((lines.joined(separator: "\n") + "\n").utf8)
            try await TestConnection.with(port: server.httpPort!) { c in
                try await c.send(TestConnection.encode("POST", "/write?db=d", body: body))
                #expect(try await eventually { sink.writeCount >= 2 })
                try await Task.sleep(nanoseconds: 150_000_000)
                let pieces = sink.writes.map(\.batch)
                #expect(pieces.count >= 5, "\(pieces.count) pieces")
                // Refused: line 7 (parse) and the second point of each piece (the sink).
                var refused: [Int64] = []
                for batch in pieces {
                    var k = 0
                    batch.forEachPoint { p in
                        if k == 1 { refused.append(p.timestamp) }
                        k += 1
                    }
                }
                sink.delayCompletions = false
                sink.release()
                let r = try await c.readResponse()
                #expect(r.status == 400)
                #expect(r.body.hasPrefix("{\"error\":\"partial write: "), "\(r.body)")
                #expect(r.body.contains("line 7, column 13: invalid field value"), "\(r.body)")
                for line in refused { #expect(r.body.contains("line \(line): refused by the test sink"), "\(r.body)") }
                #expect(r.body.contains("(\(refused.count + 1) of 40 lines rejected, \(39 - refused.count) points stored)"), "\(r.body)")
                #expect(sink.points.map(\.timestamp) == (1...40).filter { $0 != 7 }.map(Int64.init))
                #expect(server.stats.pointsWritten == 39 - refused.count)
            }
        }
    }
}
