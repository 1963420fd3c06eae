#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Proto
import Testing

@Suite struct WireCodecTests {
    static let runID = "run-42"

    /// One envelope of every body kind (and every command kind), with non-default values in every
    /// field so a field the codec lost would show.
    static let bodies: [Kb_V1_Envelope.OneOf_Body] = {
        var hello = Kb_V1_Hello()
        hello.agentID = "kb-c-1"
        hello.role = AgentRole.httpClient.rawValue
        hello.agentVersion = "0.1.0"
        hello.pid = 4242
        hello.address = "127.0.1.2"
        hello.helloUnixNs = 1_700_000_000_123_456_789

        var welcome = Kb_V1_Welcome()
        welcome.agentID = "kb-c-1"
        welcome.helloUnixNs = 1_700_000_000_123_456_789
        welcome.controllerReceiveUnixNs = 1_700_000_000_223_456_789
        welcome.controllerSendUnixNs = 1_700_000_000_223_500_000

        var server = Kb_V1_HttpServerParams()
        server.port = 8080
        server.htmlSizeBytes = 65_536
        server.expectedConnections = 1000
        var serverPrepare = Kb_V1_Prepare()
        serverPrepare.role = .httpServer(server)

        var client = Kb_V1_HttpClientParams()
        client.targetURL = "http://10.0.0.5:80/index.html"
        client.connections = 1000
        client.threads = 2
        client.rateLimit = 12_500.5
        client.timeoutMs = 5000
        client.reportIntervalMs = 5000
        client.closeEachRequest = true
        client.sourceAddress = "127.0.1.3"
        var clientPrepare = Kb_V1_Prepare()
        clientPrepare.role = .httpClient(client)

        var start = Kb_V1_Start()
        start.stage = 3
        start.startUnixNs = 1_700_000_010_000_000_000
        start.durationMs = 30_000
        var stop = Kb_V1_Stop()
        stop.stage = 3
        var abort = Kb_V1_Abort()
        abort.reason = "SIGINT on controller"

        var heartbeat = Kb_V1_Heartbeat()
        heartbeat.cpuUserS = 1.25
        heartbeat.cpuSysS = 0.5
        heartbeat.openConnections = 999

        var report = Kb_V1_IntervalReport()
        report.stage = 3
        report.index = 7
        report.final = true
        report.startUnixNs = 1_700_000_015_000_000_000
        report.durationNs = 5_000_000_123
        report.requests = 123_456
        report.bytesRead = 987_654_321
        report.bytesWritten = 12_345_678
        report.errors.connect = 1
        report.errors.read = 2
        report.errors.write = 3
        report.errors.timeout = 4
        report.errors.status = 5
        report.errors.parse = 6
        report.statusCodes = [200: 123_000, 404: 450, 0: 6]
        report.latencyHistogram = Data([0x1c, 0x84, 0x93, 0x14, 0, 1, 2, 3])
        report.latencyMaxUs = 1_234_567
        report.lagHistogram = Data([0x1c, 0x84, 0x93, 0x14, 9])
        report.lagMaxUs = 890
        report.cpuUserS = 4.5
        report.cpuSysS = 2.25
        report.openConnections = 1000
        report.server.active = 1001
        report.server.accepts = 2002
        report.server.handled = 2002
        report.server.requests = 300_000
        report.server.reading = 1
        report.server.writing = 2
        report.server.waiting = 998

        return [
            .hello(hello),
            .welcome(welcome),
            .command(.make(topic: "all", kind: .prepare(serverPrepare), commandSeq: 1)),
            .command(.make(topic: "http-client", kind: .prepare(clientPrepare), commandSeq: 2)),
            .command(.make(topic: "kb-c-1", kind: .start(start), commandSeq: 3)),
            .command(.make(topic: "all", kind: .stop(stop), commandSeq: 4)),
            .command(.make(topic: "all", kind: .abort(abort), commandSeq: 5)),
            .ack(.make(commandSeq: 3)),
            .ack(.make(commandSeq: 4, error: "Prepare: connections (2) < threads (4)")),
            .heartbeat(heartbeat),
            .intervalReport(report),
            .agentStatus(.make(.failed, stage: 3, detail: "nginx exited with status 1")),
        ]
    }()

    @Test(arguments: bodies)
    func roundTripKeepsEveryField(body: Kb_V1_Envelope.OneOf_Body) throws {
        let envelope = Kb_V1_Envelope.make(
            runID: Self.runID, sender: "kb-c-1", seq: 99, sentUnixNs: 1_700_000_000_000_000_001, body: body)
        let decoded = try WireCodec.decode(WireCodec.encode(envelope), runID: Self.runID)
        #expect(decoded == envelope)
        #expect(decoded.body == body)
    }

    @Test func encodeStampsTheVersionWhenUnset() throws {
        var envelope = Kb_V1_Envelope()
        envelope.body = .heartbeat(Kb_V1_Heartbeat())
        let decoded = try WireCodec.decode(WireCodec.encode(envelope))
        #expect(decoded.version == WireCodec.version)
    }

    @Test(arguments: [UInt32(2), 7, UInt32.max])
    func otherVersionsAreRejected(version: UInt32) {
        var envelope = Kb_V1_Envelope.make(runID: Self.runID, sender: "kb-s-1", seq: 1, body: .heartbeat(.init()))
        envelope.version = version
        #expect(throws: WireError.unsupportedVersion(version)) {
            try WireCodec.decode(WireCodec.encode(envelope))
        }
    }

    @Test func aFrameWithoutVersionIsRejected() throws {
        // Hand-built, because encode stamps a missing version: field 2 (run_id) = "r", body heartbeat.
        let frame: [UInt8] = [0x12, 0x01, 0x72, 0x72, 0x00]
        #expect(throws: WireError.unsupportedVersion(0)) { try WireCodec.decode(frame) }
    }

    @Test func anEnvelopeWithoutBodyIsRejected() {
        var envelope = Kb_V1_Envelope.make(runID: Self.runID, sender: "kb-s-1", seq: 1, body: .heartbeat(.init()))
        envelope.body = nil
        #expect(throws: WireError.emptyBody) { try WireCodec.decode(WireCodec.encode(envelope)) }
    }

    @Test func anUnknownBodyKindCountsAsEmpty() {
        // A newer release's body kind: field 40 (length-delimited, empty) after a valid version.
        let frame: [UInt8] = [0x08, 0x01, 0xC2, 0x02, 0x00]
        #expect(throws: WireError.emptyBody) { try WireCodec.decode(frame) }
    }

    @Test func commandsWithoutKindOrRoleAreRejected() {
        var noKind = Kb_V1_Command()
        noKind.commandSeq = 9
        noKind.topic = "all"
        let noRole = Kb_V1_Command.make(topic: "all", kind: .prepare(Kb_V1_Prepare()), commandSeq: 10)
        for (command, seq) in [(noKind, UInt64(9)), (noRole, 10)] {
            let envelope = Kb_V1_Envelope.make(runID: Self.runID, sender: "controller", seq: 1, body: .command(command))
            #expect(throws: WireError.incompleteCommand(commandSeq: seq)) {
                try WireCodec.decode(WireCodec.encode(envelope))
            }
        }
    }

    @Test func envelopesOfAnotherRunAreRejectedOnlyWhenARunIsGiven() throws {
        let frame = WireCodec.encode(.make(runID: "old-run", sender: "kb-s-1", seq: 1, body: .heartbeat(.init())))
        #expect(throws: WireError.wrongRun(expected: Self.runID, actual: "old-run")) {
            try WireCodec.decode(frame, runID: Self.runID)
        }
        #expect(try WireCodec.decode(frame).runID == "old-run")
    }

    @Test func oversizeFramesAreRejectedUnread() {
        let frame = [UInt8](repeating: 0, count: WireCodec.maximumFrameBytes + 1)
        #expect(throws: WireError.tooLarge(bytes: WireCodec.maximumFrameBytes + 1)) { try WireCodec.decode(frame) }
    }

    @Test func aReportWithLargeHistogramsFitsUnderTheLimit() throws {
        var report = Kb_V1_IntervalReport()
        report.latencyHistogram = Data(repeating: 0xAB, count: 1 << 20)
        let frame = WireCodec.encode(.make(runID: Self.runID, sender: "kb-c-1", seq: 1, body: .intervalReport(report)))
        #expect(try WireCodec.decode(frame).intervalReport.latencyHistogram.count == 1 << 20)
    }

    @Test func sequencerNumbersEnvelopesFromOne() throws {
        var sequencer = EnvelopeSequencer(runID: Self.runID, sender: "kb-c-1")
        let first = try WireCodec.decode(sequencer.frame(.heartbeat(.init()), sentUnixNs: 10))
        let second = sequencer.envelope(.heartbeat(.init()), sentUnixNs: 20)
        #expect(first.seq == 1)
        #expect(first.sender == "kb-c-1")
        #expect(first.runID == Self.runID)
        #expect(first.sentUnixNs == 10)
        #expect(second.seq == 2)
        #expect(sequencer.lastSeq == 2)
    }

    @Test func errorMessagesSayWhatToDo() {
        #expect(WireError.unsupportedVersion(2).description.contains("same KloudBuster release"))
        #expect(WireError.wrongRun(expected: "a", actual: "b").description.contains("'b'"))
        #expect(WireError.tooLarge(bytes: 20_000_000).description.contains("20000000"))
    }
}
