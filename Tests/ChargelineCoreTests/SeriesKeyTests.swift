import ChargelineCore
import Testing

@Suite struct SeriesKeyTests {
    @Test func canonicalFormSortsTagsAndEscapes() {
        let key = SeriesKey.make(measurement: "tele metry,x", tags: ["pile": "P 1", "a=b": "c,d", "back": "x\\"])
        #expect(String(decoding: key, as: UTF8.self) == #"tele\ metry\,x,a\=b=c\,d,back=x\\,pile=P\ 1"#)
        let parsed = SeriesKey.parse(key)
        #expect(parsed.measurement == "tele metry,x")
        #expect(parsed.tags.map(\.key) == ["a=b", "back", "pile"])
        #expect(parsed.tags.map(\.value) == ["c,d", "x\\", "P 1"])
        #expect(SeriesKey.measurement(of: key) == "tele metry,x")
    }

    @Test func measurementWithoutTags() {
        let key = SeriesKey.make(measurement: "m", tags: [:])
        #expect(key == Array("m".utf8))
        #expect(SeriesKey.parse(key).tags.isEmpty)
    }
}
