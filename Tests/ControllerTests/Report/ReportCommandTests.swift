@testable import Controller
import ArgumentParser
import Foundation
import KBTestSupport
import Testing

@Suite("kloudbuster report and --charts-from-json")
struct ReportCommandTests {
    /// A folder with a state directory holding one finished run (its result.json in its run folder).
    struct Workspace {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-report-\(UUID().uuidString.prefix(8))")
        var state: URL { directory.appendingPathComponent("state") }

        init() throws {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        /// Records a run and writes `document` as its result; returns the run id.
        func storeRun(_ document: ResultDocument, label: String = "stored") throws -> String {
            let ledger = Ledger(store: try StateStore(directory: state))
            let run = try ledger.newRun(label: label, cloud: "local", configYAML: "server:\n  number_tenants: 1\n")
            var document = document
            document.runID = run.id
            try ledger.storeResult(run: run.id, json: try document.jsonText())
            try ledger.setRunStatus(run.id, .done)
            let folder = try ledger.store.runDirectory(for: run.id)
            try document.jsonData().write(to: folder.appendingPathComponent("result.json"))
            return run.id
        }

        /// Writes `text` to `name` in the workspace.
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    /// `kloudbuster ARGUMENTS`, the real binary.
    static func kloudbuster(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, arguments, timeout: 60)
    }

    @Test("a run id becomes report.html in its run folder, or the --html file; several runs compare")
    func reportOfStoredRuns() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let first = try workspace.storeRun(ReportFixtures.document(label: "one"))
        let second = try workspace.storeRun(ReportFixtures.document(label: "two", typicalUs: 1_200))
        let byDefault = try Self.kloudbuster(["report", first, "--state-dir", workspace.state.path])
        #expect(byDefault.status == 0, "\(byDefault.stderr)")
        let folderReport = workspace.state.appendingPathComponent("runs/\(first)/report.html")
        #expect(byDefault.stdout.contains(folderReport.path))
        let html = try String(contentsOf: folderReport, encoding: .utf8)
        #expect(html.contains(first) && html.contains("<svg data-chart=\"latency\""))

        let out = workspace.directory.appendingPathComponent("compare.html").path
        let compared = try Self.kloudbuster(["report", first, second, "--html", out, "--state-dir", workspace.state.path])
        #expect(compared.status == 0, "\(compared.stderr)")
        let comparison = try String(contentsOfFile: out, encoding: .utf8)
        #expect(comparison.contains("id=\"comparison\"") && comparison.contains(second))
    }

    @Test("an unknown run id is a usage error (2) that points at kloudbuster runs list")
    func unknownRun() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        _ = try workspace.storeRun(ReportFixtures.document())
        let result = try Self.kloudbuster(["report", "kb-20200101-0000-dead", "--state-dir", workspace.state.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("unknown run kb-20200101-0000-dead") && result.stderr.contains("kloudbuster runs list"), "\(result.stderr)")
    }

    @Test("a file that is not JSON, JSON that is not a result, a missing file: exit 2 naming the file and what is wrong")
    func badFiles() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let cases: [(path: String, says: String)] = [
            (try workspace.file("notes.json", "this is not json\n"), "is not JSON"),
            (try workspace.file("other.json", #"{"name": "something else"}"#), "not a KloudBuster result (it has no kb_result)"),
            (try workspace.file("broken.json", #"{"kb_result": [], "time": 3}"#), "time is not a string"),
            (workspace.directory.appendingPathComponent("missing.json").path, "no such file or directory"),
        ]
        for (path, says) in cases {
            let result = try Self.kloudbuster(["report", path])
            #expect(result.status == 2, "\(path): \(result.stderr)")
            #expect(result.stderr.contains(path) && result.stderr.contains(says), "\(result.stderr)")
        }
        // The same through KloudBuster 8's option.
        let result = try Self.kloudbuster(["--charts-from-json", cases[1].path, "--html", workspace.directory.appendingPathComponent("x.html").path])
        #expect(result.status == 2 && result.stderr.contains(cases[1].path), "\(result.stderr)")
    }

    @Test("an output that cannot be written is refused before anything is rendered, naming it")
    func unwritableOutput() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let json = try workspace.file("result.json", try ReportFixtures.document().jsonText())
        let result = try Self.kloudbuster(["report", json, "--html", "/nonexistent-dir/r.html"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--html: cannot write /nonexistent-dir/r.html: no such directory /nonexistent-dir"), "\(result.stderr)")
    }

    @Test("kloudbuster --charts-from-json FILE --html OUT writes the report, as KloudBuster 8 did")
    func chartsFromJSON() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let json = try workspace.file("result.json", try ReportFixtures.document(label: "kb8").jsonText())
        let out = workspace.directory.appendingPathComponent("charts.html").path
        let result = try Self.kloudbuster(["--charts-from-json", json, "--html", out])
        #expect(result.status == 0, "\(result.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.contains("kb8") && HTMLReportTests.charts(html).count == 4)
        // Without --html: report.html next to the JSON.
        let beside = try Self.kloudbuster(["--charts-from-json", json])
        #expect(beside.status == 0, "\(beside.stderr)")
        #expect(FileManager.default.fileExists(atPath: workspace.directory.appendingPathComponent("report.html").path))
    }

    @Test("root options stay the root's: run --html and report --html reach their commands; --html alone is explained")
    func rootOptionsDoNotTakeSubcommandOptions() throws {
        let report = try #require(try KloudBusterCommand.parse(commandLine: ["report", "x.json", "--html", "o.html"]) as? ReportCommand)
        #expect(report.htmlFile == "o.html" && report.sources == ["x.json"])
        let root = try #require(try KloudBusterCommand.parse(commandLine: ["--charts-from-json", "x.json", "--html", "o.html"]) as? KloudBusterCommand)
        #expect(root.charts.chartsFromJSON == "x.json" && root.charts.htmlFile == "o.html")
        #expect(throws: (any Error).self) { try KloudBusterCommand.parse(commandLine: ["--html", "o.html"]) }
        #expect(throws: (any Error).self) { try KloudBusterCommand.parse(commandLine: ["--charts-from-json", "x.json", "runs"]) }
        #expect(KloudBusterCommand.unknownSubcommandMessage(["status"])?.contains("report") == true)
        let status = try Self.kloudbuster(["status"])
        #expect(status.status == 2 && status.stderr.contains("unknown command 'status'"), "\(status.stderr)")
    }
}
