@testable import Controller
import Foundation
import KBTestSupport
import Testing

@Suite(
    "The HTML report in headless Chromium, offline", .serialized,
    .enabled(if: Chromium.enabled, "chromium is not installed (scripts/deps.sh installs it; make test sets KB_REQUIRE_CHROMIUM=1 and requires it)"))
struct ReportBrowserTests {
    /// A folder for one test's pages, screenshots, profiles and NetLogs (kept, to be looked at).
    static func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kb-report-browser-\(name)-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `<path>` elements per chart in the DOM the browser built, with their `d` non-empty.
    static func pathsPerChart(_ dom: String) -> [String: Int] {
        HTMLReportTests.charts(dom).mapValues { svg in
            svg.components(separatedBy: "<path d=\"").dropFirst().filter { !$0.hasPrefix("\"") }.count
        }
    }

    /// Renders `documents`, opens the page offline, dumps its DOM and screenshots it.
    static func open(_ documents: [ResultDocument], name: String) throws -> (dom: Chromium.Load, folder: URL) {
        let folder = try folder(name)
        let page = folder.appendingPathComponent("report.html")
        let html = HTMLReport(documents: documents).render()
        try html.write(to: page, atomically: true, encoding: .utf8)
        #expect(HTMLReportTests.externalReferences(html).isEmpty, "\(HTMLReportTests.externalReferences(html))")
        let dom = try Chromium.load(page, in: folder)
        let shot = folder.appendingPathComponent("report.png")
        let screenshot = try Chromium.load(page, in: folder, screenshot: shot)
        #expect(screenshot.pageFetches.isEmpty, "fetched while rendering the screenshot: \(screenshot.pageFetches)")
        let bytes = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
        #expect(bytes > 20_000, "the screenshot \(shot.path) is \(bytes) bytes")
        print("ReportBrowserTests: \(name): screenshot \(shot.path), paths per chart \(pathsPerChart(dom.dom).sorted { $0.key < $1.key })")
        return (dom, folder)
    }

    @Test("the canary: a page that refers to the network shows up as page fetches, so an empty list means something")
    func detectsFetches() throws {
        let folder = try Self.folder("canary")
        let page = folder.appendingPathComponent("canary.html")
        try #"<!DOCTYPE html><html><body><img src="http://example.invalid/x.png"><link rel="stylesheet" href="https://cdn.example.com/a.css"></body></html>"#
            .write(to: page, atomically: true, encoding: .utf8)
        let load = try Chromium.load(page, in: folder)
        #expect(Set(load.pageFetches) == ["http://example.invalid/x.png", "https://cdn.example.com/a.css"], "\(load.pageFetches)")
    }

    @Test("one run: the browser builds every chart with its lines (3 stages, 1 rate, 4 percentiles, 2 error kinds) and fetches nothing")
    func oneRun() throws {
        let document = ReportFixtures.document(label: "<script>alert(1)</script>", stages: 3, intervalsPerStage: 120, clients: 8, groups: 2)
        let (load, _) = try Self.open([document], name: "one")
        #expect(Self.pathsPerChart(load.dom) == ["latency": 3, "throughput": 1, "percentiles": 4, "errors": 2])
        #expect(load.pageFetches.isEmpty, "the report fetched \(load.pageFetches)")
        #expect(!load.dom.contains("<script>alert(1)</script>"), "the label stays text in the DOM")
        #expect(load.dom.contains("Verdict: ok"))
    }

    @Test("three runs: every chart overlays the three (6 stage lines, 3 rates, 12 percentiles, 6 error lines) and fetches nothing")
    func threeRuns() throws {
        let documents = [
            ReportFixtures.document(runID: "kb-a", label: "base"),
            ReportFixtures.document(runID: "kb-b", label: "tuned", rate: 550, typicalUs: 600),
            ReportFixtures.document(runID: "kb-c", label: "worse", typicalUs: 1_600),
        ]
        let (load, _) = try Self.open(documents, name: "three")
        #expect(Self.pathsPerChart(load.dom) == ["latency": 6, "throughput": 3, "percentiles": 12, "errors": 6])
        #expect(load.pageFetches.isEmpty, "the report fetched \(load.pageFetches)")
        #expect(load.dom.contains("id=\"comparison\""))
    }
}
