import ChargelineYKCPile
import ChargelineIngest
import Foundation

/// A pile for tests: a blocking loopback socket that sends YKC frames and reads replies.
final class YKCTestPile {
    let code: UInt64
    private(set) var fd: Int32 = -1
    private var received: [UInt8] = []
    var encoder = YKCFrameEncoder()
    private var seq: UInt16 = 0

    init(code: UInt64, port: Int) throws {
        self.code = code
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard r == 0 else { throw POSIXError(.ECONNREFUSED) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    /// The next sequence bytes (counting up, low byte first).
    func nextSequence() -> (UInt8, UInt8) {
        seq &+= 1
        return (UInt8(seq & 0xFF), UInt8(seq >> 8))
    }

    /// Sends the encoder's current frame.
    func sendFrame() { send(Array(encoder.frame)) }

    func send(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes[done...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            done += n
        }
    }

    /// Reads until one whole frame arrived; nil on timeout or close.
    func readFrame() -> [UInt8]? {
        while true {
            let step = received.withUnsafeBytes { YKCFramer.next(in: $0) }
            if case .frame(let n, _) = step {
                let frame = Array(received[0..<n])
                received.removeFirst(n)
                return frame
            }
            if step != .needMore { received.removeFirst(step.consumed); continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            received += chunk[0..<n]
        }
    }

    /// Whether the server closed the connection (EOF within the timeout).
    func isClosedByPeer() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }

    /// Login; returns the reply frame.
    func login() -> [UInt8]? {
        encoder.login(sequence: nextSequence(), pileCode: code, guns: 2)
        sendFrame()
        return readFrame()
    }

    /// Heartbeat; returns the reply frame.
    func heartbeat(gun: Int = 1, state: UInt8 = 0) -> [UInt8]? {
        encoder.heartbeat(sequence: nextSequence(), pileCode: code, gun: gun, gunState: state)
        sendFrame()
        return readFrame()
    }
}
