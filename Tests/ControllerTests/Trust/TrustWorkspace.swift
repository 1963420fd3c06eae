import Controller
import Foundation
import KBTestSupport
import Testing

/// One `kloudbuster run` of the real binaries on the local cloud, with its own state folder and
/// configuration, for the trust tests: what it printed, its JSON result, its run id.
struct TrustWorkspace {
    let directory: URL
    var state: URL { directory.appendingPathComponent("state") }
    var config: URL { directory.appendingPathComponent("config.yaml") }

    /// A workspace whose configuration is `vms` server VMs (and as many clients) with `tool`
    /// as `client.http_tool_configs` (YAML lines, indented by the caller's wish) and `server`
    /// lines added under `server:`.
    init(vms: Int = 2, tool: String, server: String = "", state: URL? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-trust-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let indented = tool.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n")
        let serverLines = server.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")
        let yaml = """
            server:
              number_tenants: 1
              routers_per_tenant: 1
              networks_per_router: 1
              vms_per_network: \(vms)
            \(serverLines)
            client:
              http_tool_configs:
            \(indented)
            """
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        if let state { sharedState = state }
    }

    /// A state folder other workspaces may share (concurrent runs).
    var sharedState: URL?

    /// The state folder used.
    var stateFolder: URL { sharedState ?? state }

    /// `kloudbuster run` with this workspace's configuration and state folder.
    func start(_ extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, ["run", "-c", config.path, "--state-dir", stateFolder.path] + extra)
    }

    /// The run id a controller printed in its first line.
    static func runID(in output: String) -> String? {
        guard let range = output.range(of: #"run (kb-\d{8}-\d{4}-[0-9a-f]{4}):"#, options: .regularExpression) else { return nil }
        return String(output[range].dropFirst(4).dropLast())
    }

    /// The run folder of `runID`.
    func runFolder(_ runID: String) -> URL {
        stateFolder.appendingPathComponent("runs").appendingPathComponent(runID)
    }

    /// The run's `result.json`, parsed.
    func result(_ runID: String) throws -> [String: Any] {
        let data = try Data(contentsOf: runFolder(runID).appendingPathComponent("result.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The run's verdict reasons ([] for "ok"), failing when the key is missing.
    func verdictReasons(_ runID: String) throws -> [String] {
        let verdict = try result(runID)["verdict"]
        if let text = verdict as? String, text == "ok" { return [] }
        return try #require(verdict as? [String], "verdict is neither \"ok\" nor a list: \(String(describing: verdict))")
    }

    /// `kloudbuster cleanup --all` on this state folder.
    func cleanupAll() throws -> ChildProcess.Result {
        try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, ["cleanup", "--all", "--state-dir", stateFolder.path], timeout: 120)
    }

    /// The pid of a process the run folder's ledger-free files name: nginx's pid file of `agent`.
    func nginxMaster(_ runID: String, agent: String) throws -> Int32 {
        let file = runFolder(runID).appendingPathComponent(agent).appendingPathComponent("nginx/nginx.pid")
        let text = try String(contentsOf: file, encoding: .utf8)
        return try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// The pid of the `kb-agent` process serving as `agent`, from /proc (its command line names
    /// its user data file).
    static func agentPID(_ agent: String) -> Int32? {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        for pid in pids {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let command = String(decoding: data, as: UTF8.self)
            if command.contains("kb-agent"), command.contains("\(agent).json") { return pid }
        }
        return nil
    }
}
