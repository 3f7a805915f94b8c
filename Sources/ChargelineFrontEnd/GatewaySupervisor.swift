import Foundation
public import Logging

/// Runs N gateway child processes (`chargeline gateway ...`) for `serve --ykc-processes N`
/// and restarts any that exits while the supervisor runs: 1 s after an exit, backing off to
/// 30 s for a child that keeps dying within 10 s of its start (a bad registry file, a port
/// taken by something else).
///
/// Children get `--parent-pid` so they exit if the supervisor is killed without a chance to
/// stop them.
public final class GatewaySupervisor: @unchecked Sendable {
    private let executable: String
    private let arguments: @Sendable (Int) -> [String]
    private let logger: Logger
    private let lock = NSLock()
    private var processes: [Int: Process] = [:]
    private var started: [Int: Date] = [:]
    private var delays: [Int: Double] = [:]
    private var stopping = false
    /// Restarts so far (for logs and tests).
    public private(set) var restarts = 0

    /// A supervisor for `count` children of `executable`, child `i` started with `arguments(i)`.
    /// Variables added to each child's environment (secrets that must not show in `ps`).
    private let environment: [String: String]

    public init(executable: String, count: Int, arguments: @escaping @Sendable (Int) -> [String],
                environment: [String: String] = [:], logger: Logger) {
        self.environment = environment
        self.executable = executable
        self.arguments = arguments
        self.logger = logger
        for i in 0..<count { delays[i] = 1 }
    }

    /// The running children's process ids.
    public var pids: [Int32] {
        lock.lock()
        defer { lock.unlock() }
        return processes.values.filter(\.isRunning).map(\.processIdentifier)
    }

    /// Starts every child.
    /// - Throws: when the executable cannot be started at all.
    public func start() throws {
        let indices = lock.withLock { Array(delays.keys).sorted() }
        for i in indices { try launch(i) }
    }

    private func launch(_ i: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(i)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.terminationHandler = { [weak self] p in self?.exited(i, p) }
        try process.run()
        lock.withLock {
            processes[i] = process
            started[i] = Date()
        }
        logger.info("gateway process started", metadata: ["index": "\(i)", "pid": "\(process.processIdentifier)"])
    }

    private func exited(_ i: Int, _ p: Process) {
        let (stop, delay) = lock.withLock { () -> (Bool, Double) in
            if stopping { return (true, 0) }
            let lived = Date().timeIntervalSince(started[i] ?? .distantPast)
            let delay = lived < 10 ? min(30, (delays[i] ?? 1) * 2) : 1
            delays[i] = delay
            restarts += 1
            return (false, lived < 10 ? delay : 1)
        }
        guard !stop else { return }
        logger.error("gateway process exited; restarting", metadata: [
            "index": "\(i)", "pid": "\(p.processIdentifier)", "status": "\(p.terminationStatus)",
            "reason": "\(p.terminationReason == .uncaughtSignal ? "signal" : "exit")", "restartInSeconds": "\(delay)",
        ])
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, !self.lock.withLock({ self.stopping }) else { return }
            do { try self.launch(i) } catch {
                self.logger.error("cannot restart gateway process", metadata: ["index": "\(i)", "error": "\(error)"])
            }
        }
    }

    /// Sends SIGTERM to every child (they finish forwarding their spools), waits up to
    /// `graceSeconds`, then SIGKILLs what is left.
    public func stop(graceSeconds: Double) {
        let running = lock.withLock { () -> [Process] in
            stopping = true
            return Array(processes.values)
        }
        for p in running where p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(graceSeconds)
        while running.contains(where: \.isRunning) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        for p in running where p.isRunning {
            logger.warning("gateway process did not stop in time; killing it", metadata: ["pid": "\(p.processIdentifier)"])
            kill(p.processIdentifier, SIGKILL)
        }
    }
}
