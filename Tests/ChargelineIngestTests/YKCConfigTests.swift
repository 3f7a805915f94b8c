import ChargelineIngest
import Testing

/// Pile registry and billing-model files.
@Suite struct YKCConfigTests {
    @Test func registryParsesWithOrWithoutHeader() throws {
        let text = """
            pile,station,operator,model,rated_kw
            # a comment
            32010600395600, S0001 ,GreenCharge,DC120,120
            20231212000010,S0002

            """
        let r = try YKCPileRegistry.parse(text, source: "piles.csv")
        #expect(r.count == 2)
        #expect(r[0x32010600395600] == YKCPileInfo(station: "S0001", operatorName: "GreenCharge", model: "DC120", ratedKilowatts: "120"))
        #expect(r[0x20231212000010]?.tags == ["station": "S0002"])
    }

    @Test(arguments: [
        ("3201060039560,S1", "piles.csv:1: pile code 3201060039560 is not 14 hex digits"),
        ("32010600395600", "piles.csv:1: pile 32010600395600 has no station"),
        ("32010600395600,S1\n32010600395600,S2", "piles.csv:2: pile 32010600395600 is already listed on line 1"),
        ("32010600395600,S1,o,m,lots", "piles.csv:1: rated_kw lots is not a number"),
    ])
    func registryErrorsNameTheLine(text: String, message: String) {
        #expect {
            try YKCPileRegistry.parse(text, source: "piles.csv")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    /// A registry saved by Python's `csv` module or Excel: CRLF line ends (and Excel's BOM).
    /// It used to load zero piles, silently, and every login was rejected.
    @Test func registryWithCRLFLineEndsLoadsEveryPile() throws {
        let text = "pile,station,operator,model,rated_kw\r\n32010600395600,S0001,GreenCharge,DC120,120\r\n"
            + "20231212000010,S0002,GreenCharge,AC7,7\r\n"
        for variant in [text, "\u{FEFF}" + text] {
            let r = try YKCPileRegistry.parse(variant, source: "piles.csv")
            #expect(r.count == 2)
            #expect(r[0x32010600395600] == YKCPileInfo(station: "S0001", operatorName: "GreenCharge", model: "DC120", ratedKilowatts: "120"))
            #expect(r[0x20231212000010]?.tags["rated_kw"] == "7")
        }
        #expect {
            try YKCPileRegistry.parse("32010600395600,S1\r\n3201060039560,S2\r\n", source: "piles.csv")
        } throws: { "\($0)".hasPrefix("piles.csv:2: pile code 3201060039560") }
    }

    /// One registry for YKC piles and OCPP charge points: ids of any shape up to 36 characters,
    /// an optional password hash, YKC codes reachable both ways.
    @Test func registryHoldsOCPPChargePointsBesideYKCPiles() throws {
        let hash = "sha256:b1c2:807c1deaf101d341c3ab58882bde03609f52dfff0ccfea7ceaaf90f4c69de56d"
        let r = try YKCPileRegistry.parse("""
            pile,station,operator,model,rated_kw,password
            32010600395600,S0001,GreenCharge,DC120,120
            CP-OSLO-0007,S0003,GreenCharge,Wallbox22,22,\(hash)
            """, source: "piles.csv")
        #expect(r.count == 2)
        #expect(r[0x32010600395600]?.station == "S0001")
        #expect(r[id: "32010600395600"]?.station == "S0001")
        #expect(r[id: "CP-OSLO-0007"] == YKCPileInfo(station: "S0003", operatorName: "GreenCharge", model: "Wallbox22",
                                                     ratedKilowatts: "22", passwordHash: hash))
        #expect(r[id: "CP-OSLO-0007"]?.tags["password"] == nil, "a password hash is never a tag")
    }

    @Test(arguments: [
        ("CP 1,S1", "piles.csv:1: pile code CP 1 is not 14 hex digits"),
        ("\(String(repeating: "x", count: 37)),S1", "piles.csv:1: pile code xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx is not"),
        ("CP-1,S1,,,,plain", "piles.csv:1: password of CP-1 is not sha256:SALT:HEX"),
        ("CP-1,S1\ncp-1,S2", "piles.csv:2: pile cp-1 is already listed on line 1"),
    ])
    func registryRefusesBadOCPPLines(text: String, message: String) {
        #expect {
            try YKCPileRegistry.parse(text, source: "piles.csv")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    /// Lines but no pile (a header alone) is an error naming the file, not an empty registry.
    @Test func registryWithoutPilesIsAnError() throws {
        #expect {
            try YKCPileRegistry.parse("pile,station,operator,model,rated_kw\r\n", source: "piles.csv")
        } throws: { "\($0)".hasPrefix("piles.csv: no piles in 1 line(s)") }
        #expect(try YKCPileRegistry.parse("# no piles yet\n\n", source: "piles.csv").count == 0)
    }

    @Test func billingModelWithCRLFLineEnds() throws {
        let m = try YKCBillingModel.parse("model = \"0100\"\r\nsharp = [1.20000, 0.80000]\r\nloss_ratio = 0\r\n", source: "billing.toml")
        #expect(m.modelNumber == 0x0100)
        #expect(m.prices[0] == 120_000)
    }

    @Test func billingModelParses() throws {
        let m = try YKCBillingModel.parse("""
            model = "0100"
            sharp = [1.20000, 0.80000]
            valley = [0.3, 0.4]  # night
            slots = "333333333333333322222222111100002222000011112222"
            """, source: "billing.toml")
        #expect(m.modelNumber == 0x0100)
        #expect(m.prices[0] == 120_000 && m.prices[1] == 80_000 && m.prices[6] == 30_000 && m.prices[7] == 40_000)
        #expect(m.prices[2] == 100_000)
        #expect(m.slots.first == 3 && m.slots[16] == 2)
    }

    @Test func billingModelErrors() {
        #expect(throws: YKCConfigError.self) { try YKCBillingModel.parse("sharp = [1, 2]", source: "b") }
        #expect(throws: YKCConfigError.self) { try YKCBillingModel.parse("model = \"01\"", source: "b") }
        #expect(throws: YKCConfigError.self) { try YKCBillingModel.parse("model = \"0100\"\nslots = \"12\"", source: "b") }
    }
}
