import Foundation
import KBTestSupport

/// Debian's headless Chromium, for the tests that open a report the way a reader does.
///
/// `make test` sets `KB_REQUIRE_CHROMIUM=1` (scripts/deps.sh installs the `chromium` package),
/// so there a missing browser fails the tests; a plain `swift test` without one skips them.
enum Chromium {
    /// `$KB_CHROMIUM` (nil when that is not an executable), else `chromium` on PATH, else nil.
    static var executable: URL? {
        if let path = ProcessInfo.processInfo.environment["KB_CHROMIUM"], !path.isEmpty {
            return FileManager.default.isExecutableFile(atPath: path) ? URL(fileURLWithPath: path) : nil
        }
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) + ["/usr/bin"]
        return folders.map { URL(fileURLWithPath: $0).appendingPathComponent("chromium") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Whether the browser must exist (set by `make test`).
    static var isRequired: Bool { ProcessInfo.processInfo.environment["KB_REQUIRE_CHROMIUM"] == "1" }

    /// Run the browser tests when Chromium exists or is required (then its absence fails them).
    static var enabled: Bool { executable != nil || isRequired }

    /// What one page load did.
    struct Load {
        /// The DOM after loading (`--dump-dom`), or empty for a screenshot.
        var dom: String
        /// URLs the page itself asked the network stack for (from Chromium's NetLog).
        var pageFetches: [String]
        /// Chromium's stderr, for failure messages.
        var log: String
    }

    /// Opens `page` offline (every host name resolves to nothing) with a fresh profile in
    /// `folder`, and either dumps its DOM or, with `screenshot`, writes a PNG of `size`.
    ///
    /// Chromium's own background requests (component updates, accounts) are in its NetLog too;
    /// the page's are those made for a `file://` site, which is how they are told apart.
    static func load(_ page: URL, in folder: URL, screenshot: URL? = nil, size: String = "1000,3600") throws -> Load {
        guard let executable else {
            throw FixtureError("chromium is not installed: scripts/deps.sh installs it (apt-get install chromium); make test requires it")
        }
        let name = screenshot == nil ? "dom" : "shot"
        let profile = folder.appendingPathComponent("profile-\(name)")
        let netLog = folder.appendingPathComponent("netlog-\(name).json")
        var arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr", "--v=0", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--user-data-dir=\(profile.path)", "--log-net-log=\(netLog.path)",
        ]
        if let screenshot {
            arguments += ["--screenshot=\(screenshot.path)", "--window-size=\(size)", "--hide-scrollbars"]
        } else {
            arguments.append("--dump-dom")
        }
        let result = try ChildProcess.run(executable, arguments + [page.absoluteString], timeout: 60)
        try? FileManager.default.removeItem(at: profile)
        guard result.status == 0, !result.timedOut else {
            throw FixtureError("chromium exited \(result.status)\(result.timedOut ? " (killed after 60 s)" : ""): \(result.stderr.suffix(2_000))")
        }
        return Load(dom: result.stdout, pageFetches: try pageFetches(netLog, page: page), log: result.stderr)
    }

    /// The URLs of `URL_REQUEST_START_JOB` events for a `file://` site in a NetLog, less the page itself.
    static func pageFetches(_ netLog: URL, page: URL) throws -> [String] {
        let data = try Data(contentsOf: netLog)
        guard let log = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let constants = log["constants"] as? [String: Any], let types = constants["logEventTypes"] as? [String: Int],
            let start = types["URL_REQUEST_START_JOB"], let events = log["events"] as? [[String: Any]]
        else { throw FixtureError("\(netLog.path) is not a NetLog Chromium could have written") }
        return events.compactMap { event in
            guard event["type"] as? Int == start, let params = event["params"] as? [String: Any],
                let url = params["url"] as? String, url != page.absoluteString,
                (params["site_for_cookies"] as? String)?.contains("site=file://") == true
            else { return nil }
            return url
        }
    }
}
