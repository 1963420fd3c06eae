@testable import Controller
import Foundation
import Proto
import Synchronization
import Testing

/// Relaying is lossless: the same clients' reports, merged by a relay (`RelayedIntervalBuilder`
/// in `RunFakeRelay`) and sent as one `RelayedInterval` per interval, end in the same result as
/// when each client sends its own, through the real coordinator and a real `ControllerLink`.
@Suite("RunCoordinator: relayed intervals give the flat result", .serialized)
struct RunRelayTests {
    /// One whole run of 4 clients (and their 4 servers), flat or through a relay. Client 3's
    /// latency histogram of interval 1 and client 2's lag histogram of interval 2 do not decode.
    static func run(relayed: Bool, twice: Bool = false) async throws -> (ResultDocument, console: [String], relays: Int) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-relay-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let ledger = Ledger(store: try StateStore(directory: folder))
        let yaml = "server:\n  vms_per_network: 4\nclient:\n  http_tool_configs:\n    duration: 2\n    report_interval: 1\n"
        let configuration = try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: yaml)])
        let run = try ledger.newRun(label: "relay", cloud: "local", configYAML: configuration.effectiveYAML())
        let settings = RunSettings.forFakeAgents(configuration)
        let topology = try RunTopology(server: configuration.server, runID: run.id, addresses: LoopbackAddresses())
        let keys = try CurveKeyPair.generate()
        let link = try ControllerLink(serverKeys: keys)
        defer { link.close() }
        let relay = relayed ? RunFakeRelay(members: 4, twice: twice) : nil
        let launcher = RunFakeLauncher(relay: relay, spoil: [
            3: [.init(index: 1, histogram: .latency)], 2: [.init(index: 2, histogram: .lag)],
        ])
        defer { launcher.stopAll() }
        let lines = Mutex<[String]>([])
        let coordinator = try RunCoordinator(
            runID: run.id, configuration: configuration, settings: settings, topology: topology, link: link,
            serverKeys: keys, launcher: launcher, ledger: ledger,
            cleaner: Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)]),
            console: ConsoleReport { line in lines.withLock { $0.append(line) } },
            outputs: .init(jsonFile: nil, hlogFile: nil, label: "relay"))
        let outcome = await coordinator.run()
        let console = lines.withLock { $0 }
        #expect(outcome.status == "done", "console:\n\(console.joined(separator: "\n"))")
        return (outcome.document, console, relay?.sent.withLock { $0 } ?? 0)
    }

    @Test("histogram, counts, intervals, groups, engine lag and per-agent summary are the same both ways, also when every relayed interval comes twice",
          arguments: [false, true])
    func sameResultBothWays(twice: Bool) async throws {
        let (flat, _, _) = try await Self.run(relayed: false)
        let (relayed, console, relays) = try await Self.run(relayed: true, twice: twice)
        // Every interval went through the relay: 4 intervals of one stage, one frame each.
        #expect(relays == 4, "console:\n\(console.joined(separator: "\n"))")
        let flatStage = try #require(flat.kbResult.first), relayedStage = try #require(relayed.kbResult.first)
        // The spoiled latency histogram lost its report's 100 requests from the merge both ways.
        #expect(flatStage.httpTotalReq == 4 * 4 * 100 - 100)
        #expect(relayedStage.httpTotalReq == flatStage.httpTotalReq)
        #expect(relayed.histogram == flat.histogram)
        #expect(try Histogram(decodingV2Base64: relayed.histogram).totalCount == Int64(flatStage.httpTotalReq))
        #expect(relayedStage.latencyStats == flatStage.latencyStats)
        #expect(relayedStage.httpSockErr == flatStage.httpSockErr && relayed.errors == flat.errors)
        #expect(relayed.statusCodes == flat.statusCodes)
        #expect(relayedStage.engineLagP99Us == flatStage.engineLagP99Us && relayedStage.engineLagMaxUs == flatStage.engineLagMaxUs)
        #expect(relayedStage.engineLagP99Us != nil)
        // The interval lines: who reported, how much, which percentiles.
        func lines(_ document: ResultDocument) -> [String] {
            document.intervals.map { "\($0.index) \($0.agents) \($0.requests) \($0.p50Us) \($0.p99Us) \($0.maxUs)" }
        }
        #expect(lines(relayed) == lines(flat))
        #expect(lines(flat).count == 4)
        // The group's stage latency comes from the relayed final reports' merged stage histograms.
        #expect(relayedStage.groups == flatStage.groups)
        #expect(relayedStage.groups?.first?.p99Us != nil)
        // Per agent: each client's own requests and errors, though the controller merged one
        // report per interval. (Ids carry the run id; compare by role and number.)
        func agents(_ document: ResultDocument) -> [String] {
            document.agents.map { "\($0.id.split(separator: "-").suffix(2).joined(separator: "-")) \($0.status) \($0.requests) \($0.errors) \($0.group ?? "")" }.sorted()
        }
        #expect(agents(relayed) == agents(flat))
        #expect(relayed.agents.filter { $0.role == "http-client" }.map(\.requests).sorted() == [400, 400, 400, 400])
        #expect(relayed.verdict == flat.verdict)
        // A repeated interval is dropped whole, and said; the last one's copy may come after
        // the stage ended, when nothing takes reports any more.
        let repeats = console.filter { $0.contains("it repeats a report already taken") }.count
        #expect(twice ? (3...4).contains(repeats) : repeats == 0, "\(repeats) repeats; console:\n\(console.joined(separator: "\n"))")
        #expect(console.contains { $0.contains("are not all active clients") } == false)
    }
}
