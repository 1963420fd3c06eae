import Foundation
import KBTestSupport
import Logging
import Synchronization
import Testing

@testable import Agent
@testable import Proto

// No tests here: the scripted controller the AgentDaemon tests share (in a file named to match
// the suites' filter).

/// A real `ControllerLink` in the test process, acting as a controller from a script: it
/// answers every Hello with a Welcome, records everything agents send, and re-publishes a
/// command until its Ack arrives (the slow joiner), as `CommandDelivery` would.
final class ScriptedController: Sendable {
    let runID: String
    let serverKeys: CurveKeyPair
    let link: ControllerLink
    private final class Store: Sendable {
        let received = Mutex<[Kb_V1_Envelope]>([])
        let sequencer: Mutex<EnvelopeSequencer>
        let nextCommandSeq = Mutex<UInt64>(0)
        init(runID: String) {
            sequencer = Mutex(EnvelopeSequencer(runID: runID, sender: Kb_V1_Envelope.controllerSender))
        }
    }

    private let store: Store
    private let task: Task<Void, Never>

    init() throws {
        runID = "kb-test-\(UInt32.random(in: 0...UInt32.max))"
        serverKeys = try CurveKeyPair.generate()
        link = try ControllerLink(serverKeys: serverKeys)
        let store = Store(runID: runID)
        self.store = store
        let (link, runID) = (link, runID)
        task = Task {
            for await frame in link.incoming {
                let t1 = WallClock.nowUnixNs()
                guard let envelope = try? WireCodec.decode(frame.payload, runID: runID) else { continue }
                store.received.withLock { $0.append(envelope) }
                if case .hello(let hello) = envelope.body {
                    var welcome = Kb_V1_Welcome()
                    welcome.agentID = hello.agentID
                    welcome.helloUnixNs = hello.helloUnixNs
                    welcome.controllerReceiveUnixNs = t1
                    welcome.controllerSendUnixNs = WallClock.nowUnixNs()
                    let payload = store.sequencer.withLock { $0.frame(.welcome(welcome), sentUnixNs: WallClock.nowUnixNs()) }
                    try? link.send(to: frame.identity, payload: payload)
                }
            }
        }
    }

    deinit {
        task.cancel()
        link.close()
    }

    /// User data for a new agent whose key is admitted, written 0600 to a file.
    func userData(role: AgentRole, index: Int = 0, address: String = "127.0.0.1") throws -> (UserData, String) {
        let keys = try CurveKeyPair.generate()
        try link.admit(publicKey: keys.publicKey)
        let agentID = "\(runID)-\(role == .httpServer ? "srv" : "cli")-\(index)"
        let workDir = FileManager.default.temporaryDirectory.appendingPathComponent("kb-daemon-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let json: [String: Any] = [
            "run_id": runID, "agent_id": agentID, "role": role.rawValue, "address": address,
            "controller": [
                "pub_endpoint": link.pubEndpoint, "router_endpoint": link.routerEndpoint,
                "server_public_key": serverKeys.publicKey,
            ],
            "keys": ["public": keys.publicKey, "secret": keys.secretKey],
            "work_dir": workDir,
        ]
        let path = workDir + "/userdata.json"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
        let userData = try UserData(try UserData.fields(file: path), source: path)
        return (userData, path)
    }

    /// Everything received so far.
    var envelopes: [Kb_V1_Envelope] { store.received.withLock { $0 } }

    /// Bodies from `agentID`, in order.
    func bodies(from agentID: String) -> [Kb_V1_Envelope.OneOf_Body] {
        envelopes.filter { $0.sender == agentID }.compactMap(\.body)
    }

    func statuses(from agentID: String) -> [Kb_V1_AgentStatus] {
        bodies(from: agentID).compactMap { if case .agentStatus(let status) = $0 { return status } else { return nil } }
    }

    func reports(from agentID: String) -> [Kb_V1_IntervalReport] {
        bodies(from: agentID).compactMap { if case .intervalReport(let report) = $0 { return report } else { return nil } }
    }

    func acks(from agentID: String, commandSeq: UInt64) -> [Kb_V1_Ack] {
        bodies(from: agentID).compactMap {
            if case .ack(let ack) = $0, ack.commandSeq == commandSeq { return ack } else { return nil }
        }
    }

    /// Publishes `kind` to `topic` every 300 ms until `agentID` acknowledges it; its Ack.
    @discardableResult
    func command(
        _ kind: Kb_V1_Command.OneOf_Kind, to agentID: String, topic: String? = nil, within timeout: Duration = .seconds(10)
    ) async throws -> Kb_V1_Ack {
        let seq = store.nextCommandSeq.withLock { $0 += 1; return $0 }
        let command = Kb_V1_Command.make(topic: topic ?? agentID, kind: kind, commandSeq: seq)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            publish(command)
            if let ack = await first(within: .milliseconds(300), { self.acks(from: agentID, commandSeq: seq).first }) {
                return ack
            }
        }
        throw FixtureError("\(agentID) did not acknowledge command \(seq) (\(kind)) within \(timeout)")
    }

    /// Publishes `command` once, as it is.
    func publish(_ command: Kb_V1_Command) {
        let payload = store.sequencer.withLock { $0.frame(.command(command), sentUnixNs: WallClock.nowUnixNs()) }
        try? link.publish(topic: command.topic, payload: payload)
    }

    /// Polls `value` every 20 ms until it is non-nil or `timeout` passes.
    func first<T>(within timeout: Duration, _ value: () -> T?) async -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let found = value() { return found }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits up to `timeout` for `condition`.
    func wait(within timeout: Duration = .seconds(10), until condition: () -> Bool) async -> Bool {
        await first(within: timeout) { condition() ? true : nil } ?? false
    }

    /// The first status `state` (of `stage`, when given) from `agentID`, waiting up to `timeout`.
    func status(
        _ state: Kb_V1_AgentStatus.State, stage: UInt32? = nil, from agentID: String, within timeout: Duration = .seconds(15)
    ) async -> Kb_V1_AgentStatus? {
        await first(within: timeout) {
            self.statuses(from: agentID).first { $0.state == state && (stage == nil || $0.stage == stage) }
        }
    }
}

/// An AgentDaemon running in the test process, on a real AgentLink.
struct InProcessAgent {
    let daemon: AgentDaemon
    let link: AgentLink
    let task: Task<Result<Void, any Error>, Never>

    init(_ userData: UserData, options: AgentDaemon.Options = .init()) throws {
        link = try AgentLink(
            pubEndpoint: userData.pubEndpoint, routerEndpoint: userData.routerEndpoint,
            serverPublicKey: userData.serverPublicKey, clientKeys: userData.keys,
            identity: Array(userData.agentID.utf8), topics: userData.topics)
        var logger = Logger(label: "kb-agent-test")
        logger.logLevel = .warning
        let daemon = AgentDaemon(userData: userData, link: link, options: options, logger: logger)
        self.daemon = daemon
        task = Task {
            do {
                try await daemon.run()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    /// Waits for `run()` to return (after an Abort), then closes the link.
    func finished(within timeout: Duration = .seconds(15)) async -> Result<Void, any Error>? {
        let waiter = Task { await task.value }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await daemon.hasFinished {
                let result = await waiter.value
                link.close()
                return result
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

