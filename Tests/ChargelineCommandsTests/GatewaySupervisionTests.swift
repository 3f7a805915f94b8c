import Foundation
import Testing

/// `serve --ykc --ykc-processes 1`: the gateway child answers piles, and one that is killed
/// is restarted.
@Suite(.serialized) struct GatewaySupervisionTests {
    @Test func aKilledGatewayIsRestartedAndPilesCanLogInAgain() throws {
        let dir = NSTemporaryDirectory() + "chargeline-gw-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = 20_000 + Int.random(in: 0..<20_000)
        let server = try ChildProcess(["serve", "--data", dir, "--http", "127.0.0.1:0", "--lp-tcp", "off",
                                       "--ykc", "127.0.0.1:\(port)", "--ykc-processes", "1", "--log-level", "info"])
        defer { server.kill(SIGTERM); _ = server.wait() }
        #expect(server.waitFor("YKC front-end listening", seconds: 30), "gateway did not start: \(server.text)")
        #expect(Self.login(port: port) == 0)
        let pid = try #require(Self.childPID(in: server.text))
        kill(pid, SIGKILL)
        #expect(server.waitFor("gateway process exited; restarting", seconds: 10))
        let deadline = Date().addingTimeInterval(10)
        var result: UInt8?
        while Date() < deadline {
            result = Self.login(port: port)
            if result == 0 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(result == 0, "no login after the restart: \(server.text)")
    }

    static func childPID(in text: String) -> Int32? {
        guard let r = text.range(of: "pid=") else { return nil }
        return Int32(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// Logs a pile in and returns the login result byte (nil when nothing answered).
    static func login(port: Int) -> UInt8? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { return nil }
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // 0x01 login of pile 32010600395600 (CRC computed by the encoder in the Ingest tests;
        // bytes fixed here so this test needs only the binary).
        var frame: [UInt8] = [0x68, 0x22, 0x00, 0x01, 0x00, 0x01, 0x32, 0x01, 0x06, 0x00, 0x39, 0x56, 0x00, 0x00, 0x01, 0x10]
        frame += Array("SIM1.0".utf8) + [0, 0, 1] + [UInt8](repeating: 0, count: 10) + [4]
        var crc: UInt16 = 0xFFFF
        for b in frame[2...] {
            crc ^= UInt16(b)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        frame += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
        _ = frame.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8](repeating: 0, count: 64)
        var got = 0
        while got < 16 {
            let n = reply[got...].withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return nil }
            got += n
        }
        return reply[5] == 0x02 ? reply[13] : nil
    }
}
