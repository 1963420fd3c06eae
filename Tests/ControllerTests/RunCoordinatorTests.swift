@testable import Controller
import Foundation
import Proto
import Testing

/// The coordinator against scripted fake agents (`RunFakeAgent`, in-process `AgentLink`s over
/// a real `ControllerLink` on loopback): the real `kb-agent run` was being written at the same
/// time, so these check the controller's side of docs/run-protocol.md on their own.
@Suite("RunCoordinator: a whole run against fake agents", .serialized)
struct RunCoordinatorTests {
    struct Fixture {
        let folder: URL
        let ledger: Ledger
        let runID: String
        let coordinator: RunCoordinator
        let launcher: RunFakeLauncher
        let lines: LineBox
        let link: ControllerLink
    }

    final class LineBox: Sendable {
        let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
    }

    private func fixture(
        silent: (String) -> Set<String> = { _ in [] }, late: (String) -> Set<String> = { _ in [] }
    ) throws -> Fixture {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-run-\(UInt32.random(in: 0...UInt32.max))")
        let ledger = Ledger(store: try StateStore(directory: folder))
        let yaml = "server:\n  vms_per_network: 2\nclient:\n  http_tool_configs:\n    duration: 2\n    report_interval: 1\n"
        let configuration = try ConfigurationLoader().load(sources: [ConfigurationSource(name: "t.yaml", text: yaml)])
        let run = try ledger.newRun(label: "test", cloud: "local", configYAML: configuration.effectiveYAML())
        let settings = RunSettings.forFakeAgents(configuration)
        let topology = try RunTopology(server: configuration.server, runID: run.id, addresses: LoopbackAddresses())
        let keys = try CurveKeyPair.generate()
        let link = try ControllerLink(serverKeys: keys)
        let launcher = RunFakeLauncher(silentAgents: silent(run.id), lateAgents: late(run.id))
        let lines = LineBox()
        let coordinator = try RunCoordinator(
            runID: run.id, configuration: configuration, settings: settings, topology: topology, link: link,
            serverKeys: keys, launcher: launcher, ledger: ledger,
            cleaner: Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)]),
            console: ConsoleReport { line in lines.lines.withLock { $0.append(line) } },
            outputs: .init(
                jsonFile: folder.appendingPathComponent("result.json").path,
                hlogFile: folder.appendingPathComponent("result.hlog").path, label: "test"))
        return Fixture(folder: folder, ledger: ledger, runID: run.id, coordinator: coordinator, launcher: launcher, lines: lines, link: link)
    }

    @Test("joins, prepares, starts, merges every request, writes JSON and hlog, stores intervals")
    func wholeRun() async throws {
        let f = try fixture()
        defer { f.launcher.stopAll(); f.link.close(); try? FileManager.default.removeItem(at: f.folder) }
        let outcome = await f.coordinator.run()
        #expect(outcome.status == "done", "console:\n\(f.lines.all.joined(separator: "\n"))")
        let sent = f.launcher.book.requests.withLock { $0 }
        #expect(sent == 2 * 4 * 100)  // 2 clients × 4 intervals of 500 ms × 100 requests
        let entry = try #require(outcome.document.kbResult.first)
        #expect(entry.httpTotalReq == sent)
        #expect(entry.totalClientVms == 2 && entry.totalServerVms == 2)
        let merged = try Histogram(decodingV2Base64: outcome.document.histogram)
        #expect(merged.totalCount == Int64(sent))
        #expect(merged == f.launcher.book.latencies.withLock { $0 })
        // Every report's engine lag histogram is merged into the stage's.
        let lags = f.launcher.book.lags.withLock { $0 }
        #expect(lags.totalCount == Int64(sent))
        #expect(entry.engineLagMaxUs == lags.maxValue && entry.engineLagP99Us == lags.value(atPercentile: 99))
        #expect(outcome.document.agents.allSatisfy { $0.status == "ok" && $0.joined })
        #expect(outcome.document.intervals.map(\.requests).reduce(0, +) == sent)
        // The files and the state store.
        let json = try Data(contentsOf: f.folder.appendingPathComponent("result.json"))
        let decoded = try JSONDecoder().decode(ResultDocument.self, from: json)
        #expect(decoded.runID == f.runID)
        let hlog = try String(contentsOf: f.folder.appendingPathComponent("result.hlog"), encoding: .utf8)
        #expect(hlog.contains("#[Histogram log format version 1.3]"))
        let hlogLines = hlog.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("\"") }
        #expect(hlogLines.count == outcome.document.intervals.count)
        #expect(try f.ledger.intervals(run: f.runID).count == outcome.document.intervals.count)
        #expect(try f.ledger.run(id: f.runID)?.resultJSON != nil)
        // What the HTML report draws from: the configuration, groups, the agents' groups and clocks.
        let record = try f.ledger.run(id: f.runID)
        #expect(decoded.config != nil && decoded.config == record?.configYAML)
        #expect(entry.durationSeconds != nil && entry.engineThreads != nil && entry.agentProblems == [])
        #expect(entry.groups?.map(\.name) == ["tenant-0"] && entry.groups?.first?.requests == sent && entry.groups?.first?.p99Us != nil)
        #expect(decoded.agents.allSatisfy { $0.group == "tenant-0" && $0.clockOffsetUs != nil })
        let runFolder = try f.ledger.store.runDirectory(for: f.runID)
        let report = try String(contentsOf: runFolder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains(f.runID) && HTMLReportTests.charts(report).count == 4)
        #expect(f.lines.all.last?.contains("report: open \(runFolder.appendingPathComponent("report.html").path) in a browser") == true, "\(f.lines.all.last ?? "")")
        #expect(f.lines.all.contains { $0.contains("joined 4 of 4 agents") || $0.contains("all 4 agents joined") })
        #expect(await f.coordinator.state == .done)
    }

    @Test("a client that goes silent mid-run is reported lost, the run ends on time and keeps the others' data")
    func silentClient() async throws {
        let f = try fixture { ["\($0)-cli-1"] }
        defer { f.launcher.stopAll(); f.link.close(); try? FileManager.default.removeItem(at: f.folder) }
        let began = ContinuousClock.now
        let outcome = await f.coordinator.run()
        let elapsed = ContinuousClock.now - began
        // Joining and preparing take well under a second here; 0.5 s lead + 2 s load + 1.5 s grace.
        #expect(elapsed < .seconds(8), "took \(elapsed)")
        #expect(outcome.status == "done", "console:\n\(f.lines.all.joined(separator: "\n"))")
        let lost = outcome.document.agents.filter { $0.status == "lost" }.map(\.id)
        #expect(lost == ["\(f.runID)-cli-1"])
        let sent = f.launcher.book.requests.withLock { $0 }
        #expect(sent == 4 * 100 + 100)  // cli-0 in full, cli-1's first interval
        #expect(outcome.document.kbResult.first?.httpTotalReq == sent)
        #expect(try Histogram(decodingV2Base64: outcome.document.histogram).totalCount == Int64(sent))
    }

    @Test("a final report that arrives after its interval closed goes into that interval: JSON, state store and hlog add up to the total")
    func lateReportJoinsItsInterval() async throws {
        let f = try fixture(late: { ["\($0)-cli-1"] })
        defer { f.launcher.stopAll(); f.link.close(); try? FileManager.default.removeItem(at: f.folder) }
        let outcome = await f.coordinator.run()
        #expect(outcome.status == "done", "console:\n\(f.lines.all.joined(separator: "\n"))")
        #expect(f.lines.all.contains { $0.contains("late report of \(f.runID)-cli-1 merged into interval 3") })
        let sent = f.launcher.book.requests.withLock { $0 }
        #expect(sent == 2 * 4 * 100)
        #expect(outcome.document.kbResult.first?.httpTotalReq == sent)
        #expect(outcome.document.intervals.map(\.requests).reduce(0, +) == sent)
        let last = try #require(outcome.document.intervals.last)
        #expect(last.requests == 200, "the late report's requests join the last line")
        // The state store's rows and the hlog's lines, decoded, count every request once.
        let stored = try f.ledger.intervals(run: f.runID)
        var storedTotal: Int64 = 0
        for row in stored { storedTotal += try Histogram(decodingV2: [UInt8](try #require(row.histogram))).totalCount }
        #expect(storedTotal == Int64(sent))
        let hlog = try String(contentsOf: f.folder.appendingPathComponent("result.hlog"), encoding: .utf8)
        var hlogTotal: Int64 = 0
        for line in hlog.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("\"") {
            hlogTotal += try Histogram(decodingV2Base64: String(try #require(line.split(separator: ",").last))).totalCount
        }
        #expect(hlogTotal == Int64(sent))
    }
}

import Synchronization
