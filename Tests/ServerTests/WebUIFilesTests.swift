import Foundation
@testable import Server
import Testing

/// The web UI as the binary serves it (`EmbeddedFiles.ui`): it loads nothing from another
/// host and puts no server text into the page as HTML. The browser test
/// (ControllerTests' BrowserUITests) watches the same from inside chromium.
@Suite("The web UI's files")
struct WebUIFilesTests {
    @Test("no URL of another host; the SVG namespace is a name, not a request")
    func noOtherHost() {
        for (name, text) in EmbeddedFiles.ui {
            let urls = text.ranges(of: #/(https?:)?//[A-Za-z0-9.-]+/#).map { String(text[$0]) }
            #expect(urls.filter { $0 != "http://www.w3.org" }.isEmpty, "\(name) names \(urls)")
            if name == "base.js" { #expect(urls == ["http://www.w3.org"], "the pattern finds the namespace: \(urls)") }
            #expect(!text.contains("@import"), "\(name) imports a style sheet")
        }
    }

    @Test("index.html loads only files the binary has, by absolute /ui/ paths")
    func pageLoadsItsOwnFiles() throws {
        let page = try #require(EmbeddedFiles.ui["index.html"])
        let references = page.matches(of: #/(?:src|href)="([^"#]+)"/#).map { String($0.output.1) }
        #expect(!references.isEmpty)
        for reference in references {
            #expect(reference.hasPrefix("/ui/") && EmbeddedFiles.ui[String(reference.dropFirst(4))] != nil,
                    "index.html loads \(reference), which the server does not serve")
        }
    }

    @Test("the scripts build the page with textContent and attributes, never HTML strings")
    func noHTMLFromStrings() throws {
        let scripts = EmbeddedFiles.ui.filter { $0.key.hasSuffix(".js") }
        #expect(Set(scripts.keys) == ["base.js", "charts.js", "live.js", "app.js"])
        for (name, script) in scripts {
            for sink in [".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"] {
                #expect(!script.contains(sink), "\(name) uses \(sink)")
            }
        }
    }
}
