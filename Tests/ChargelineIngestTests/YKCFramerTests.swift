import ChargelineYKCPile
import ChargelineIngest
import Testing
import ChargelineTestSupport

/// Framing over a byte stream: splits, joins, garbage, bad lengths and bad CRCs.
@Suite struct YKCFramerTests {
    /// Feeds `stream` in the given chunk sizes the way the NIO handler does (append, then
    /// consume steps until `.needMore`) and returns what it saw.
    static func frame(_ stream: [UInt8], chunks: [Int]) -> (frames: [[UInt8]], badCRC: Int, badLength: Int, garbage: Int) {
        var buffer: [UInt8] = []
        var frames: [[UInt8]] = []
        var badCRC = 0, badLength = 0, garbage = 0
        var offset = 0
        for size in chunks + [Int.max] {
            let end = size == .max ? stream.count : min(stream.count, offset + size)
            buffer += stream[offset..<end]
            offset = end
            while true {
                let step = buffer.withUnsafeBytes { YKCFramer.next(in: $0) }
                switch step {
                case .needMore: break
                case .frame(let n, _): frames.append(Array(buffer[0..<n]))
                case .badCRC: badCRC += 1
                case .badLength: badLength += 1
                case .garbage(let n): garbage += n
                }
                if step == .needMore { break }
                buffer.removeFirst(step.consumed)
            }
            if offset == stream.count { break }
        }
        return (frames, badCRC, badLength, garbage)
    }

    static var goodFrames: [[UInt8]] {
        YKCVector.all.filter { $0.crc != "MISMATCH" && $0.lengthOK }.map(\.bytes)
    }

    @Test func framesJoinedInOneReadComeOutOneByOne() {
        let frames = Self.goodFrames
        let result = Self.frame(frames.flatMap { $0 }, chunks: [])
        #expect(result.frames == frames)
        #expect(result.badCRC == 0 && result.garbage == 0)
    }

    @Test(arguments: [1, 2, 3, 7, 42] as [UInt64])
    func randomSplitsYieldTheSameFrames(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let frames = Self.goodFrames
        let stream = frames.flatMap { $0 }
        var chunks: [Int] = []
        var total = 0
        while total < stream.count {
            let n = Int.random(in: 1...40, using: &rng)
            chunks.append(n)
            total += n
        }
        let result = Self.frame(stream, chunks: chunks)
        #expect(result.frames == frames)
    }

    @Test func singleBytesAtATime() {
        let frames = Self.goodFrames
        let stream = frames.flatMap { $0 }
        #expect(Self.frame(stream, chunks: Array(repeating: 1, count: stream.count)).frames == frames)
    }

    @Test func garbageBeforeAndBetweenFramesIsSkipped() {
        let frames = Self.goodFrames
        var stream: [UInt8] = [0x00, 0xFF, 0x12]
        for f in frames { stream += f + [0x55, 0xAA] }
        let result = Self.frame(stream, chunks: [])
        #expect(result.frames == frames)
        #expect(result.garbage == 3 + 2 * frames.count)
    }

    @Test func aCorruptFrameIsReportedAndTheNextOneStillArrives() {
        let frames = Self.goodFrames
        var corrupt = frames[0]
        corrupt[8] ^= 0x01
        let result = Self.frame(corrupt + frames[1], chunks: [5, 9])
        #expect(result.badCRC == 1)
        #expect(result.frames == [frames[1]])
    }

    /// A heartbeat (17 bytes) whose length byte says 200 claims 204 bytes: the framer waited
    /// for all of them, holding the pile's next ten heartbeats (and their replies) back. A good
    /// frame inside the claimed span now ends the wait: the bad frame is reported and every
    /// heartbeat behind it comes out with the bytes that are there.
    @Test func aLengthByteOf200OnA17ByteFrameHoldsNoHeartbeatBack() {
        var e = YKCFrameEncoder()
        var heartbeats: [[UInt8]] = []
        for i in 0..<11 {
            e.heartbeat(sequence: (0, UInt8(i)), pileCode: 0x32010600395600, gun: 1, gunState: 0)
            heartbeats.append(Array(e.frame))
        }
        #expect(heartbeats[0].count == 17)
        var bad = heartbeats[0]
        bad[1] = 200
        let stream = bad + heartbeats[1...].flatMap { $0 }
        #expect(stream.count < 204)
        for chunks in [[], [17, 17, 17, 17, 17, 17, 17, 17, 17, 17, 17], Array(repeating: 1, count: stream.count)] {
            let result = Self.frame(stream, chunks: chunks)
            #expect(result.frames == Array(heartbeats[1...]), "chunks \(chunks.count)")
            #expect(result.badCRC == 1)
        }
        // A frame that is merely split still waits for its rest.
        let whole = heartbeats[1]
        whole.withUnsafeBytes { #expect(YKCFramer.next(in: UnsafeRawBufferPointer(rebasing: $0[0..<10])) == .needMore) }
    }

    @Test func lengthOutsideTheValidRangeResyncs() {
        let frames = Self.goodFrames
        let result = Self.frame([0x68, 0x02, 0x68, 0xF0] + frames[0], chunks: [])
        #expect(result.badLength == 2)
        #expect(result.frames == [frames[0]])
    }

    @Test func bothCRCByteOrdersAreAccepted() {
        var e = YKCFrameEncoder()
        e.loginReply(sequence: (0, 1), pileCode: 0x32010600395600, accepted: true)
        let le = Array(e.frame)
        e.begin(type: 0x02, sequence: (0, 1))
        e.putPacked(0x32010600395600, width: 7)
        e.put(0)
        e.finish(crcOrder: .highByteFirst)
        let be = Array(e.frame)
        #expect(le.count == be.count && le[le.count - 1] == be[be.count - 2])
        le.withUnsafeBytes { #expect(YKCFramer.next(in: $0) == .frame(count: le.count, crcOrder: .lowByteFirst)) }
        be.withUnsafeBytes { #expect(YKCFramer.next(in: $0) == .frame(count: be.count, crcOrder: .highByteFirst)) }
    }

    @Test func truncatedPayloadIsADecodeError() {
        var e = YKCFrameEncoder()
        e.begin(type: YKCFrameType.realtimeData, sequence: (0, 0))
        e.putZeros(20)
        e.finish()
        e.withFrame { raw in
            #expect(throws: YKCDecodeError.self) { try YKCRealtimeData(payload: YKCFrame(raw).payload) }
        }
    }
}
