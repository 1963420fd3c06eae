@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// `kloudbuster octavia stress` with the real binaries against the real health manager and
/// MariaDB schema (`eval "$(scripts/octavia-local.sh up)"`; `make test` brings them up).
/// Disabled without OCTAVIA_DB_URL, unless KB_REQUIRE_OCTAVIA=1 makes that a failure.
private let environment = ProcessInfo.processInfo.environment
private let stressEnabled = environment["OCTAVIA_DB_URL"] != nil || environment["KB_REQUIRE_OCTAVIA"] == "1"

@Suite("octavia stress against the real health manager", .serialized, .enabled(if: stressEnabled, "needs OCTAVIA_DB_URL (eval \"$(scripts/octavia-local.sh up)\")"))
struct OctaviaStressTests {
    /// The harness's exports.
    struct Harness {
        let url: String
        let hm: String
        let key: String
        let log: String

        init() throws {
            func variable(_ name: String) throws -> String {
                try #require(environment[name].flatMap { $0.isEmpty ? nil : $0 }, "\(name) is not set: eval \"$(scripts/octavia-local.sh up)\"")
            }
            url = try variable("OCTAVIA_DB_URL")
            hm = try variable("OCTAVIA_HM")
            key = try variable("OCTAVIA_HM_KEY")
            log = try variable("OCTAVIA_HM_LOG")
        }
    }

    static let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-stress-\(UUID().uuidString.prefix(8))")

    /// Runs `kloudbuster octavia stress` with `arguments` and a private state folder.
    static func stress(_ arguments: [String], timeout: Double = 180) async throws -> ChildProcess.Result {
        let child = try ChildProcess(
            RunEndToEndTests.Binaries.kloudbuster, ["octavia", "stress", "--state-dir", folder.appendingPathComponent("state").path] + arguments)
        return await child.wait(timeout: timeout)
    }

    /// Every text column of every table, counted where it starts with `prefix`: nothing of a
    /// run may be left anywhere, not only in the tables the tool knows.
    static func rowsAnywhere(_ database: any OctaviaDatabase, prefix: String) throws -> [String: Int] {
        let columns = try database.strings("""
            SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME) FROM information_schema.COLUMNS
            WHERE TABLE_SCHEMA = DATABASE() AND DATA_TYPE IN ('varchar', 'char', 'text')
            """)
        var found: [String: Int] = [:]
        for column in columns {
            let parts = column.split(separator: ".")
            let n = try database.count("SELECT count(*) FROM `\(parts[0])` WHERE `\(parts[1])` LIKE '\(prefix)-%'")
            if n > 0 { found[column] = n }
        }
        return found
    }

    static func logSize(_ path: String) -> UInt64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64) ?? 0
    }

    static func log(_ path: String, from offset: UInt64) throws -> String {
        let handle = try #require(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
    }

    @Test("100 LBs at 40 heartbeats/s for 30 s: every amphora fresher than the interval, a clean HM log, nothing left, a foreign LB untouched")
    func fortyHeartbeatsPerSecond() async throws {
        let harness = try Harness()
        let database = try OctaviaDatabaseOpener.open(harness.url)
        let foreign = UUID().uuidString.lowercased()
        try database.execute("""
            INSERT INTO load_balancer (id, name, provisioning_status, operating_status, enabled, created_at, updated_at)
            VALUES ('\(foreign)', 'made by the stress test, not by kloudbuster', 'ACTIVE', 'ONLINE', 1, UTC_TIMESTAMP(), UTC_TIMESTAMP())
            """)
        defer { _ = try? database.execute("DELETE FROM load_balancer WHERE id = '\(foreign)'") }
        let orphans = "(SELECT count(*) FROM amphora_health WHERE amphora_id NOT IN (SELECT id FROM amphora)) + (SELECT count(*) FROM listener_statistics WHERE listener_id NOT IN (SELECT id FROM listener))"
        let orphansBefore = try database.count("SELECT \(orphans)")
        let ghostLBsBefore = try database.count("SELECT count(*) FROM load_balancer WHERE id LIKE 'kbo-%'")
        let common = ["--db", harness.url, "--hm", harness.hm, "--key", harness.key, "--hm-log", harness.log,
                      "--load-balancers", "100", "--listeners", "2", "--pools", "1", "--members", "2", "--rate", "40"]

        // The foreign load balancer makes the database look like production: refused, nothing made.
        let refused = try await Self.stress(common + ["--duration", "5s"], timeout: 60)
        #expect(refused.status != 0)
        #expect(refused.stdout.contains("did not create") || refused.stderr.contains("did not create"), "\(refused.stdout)\(refused.stderr)")
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE id LIKE 'kbo-%'") == ghostLBsBefore)

        let json = Self.folder.appendingPathComponent("stress.json")
        let offset = Self.logSize(harness.log)
        let output = try await Self.stress(common + ["--duration", "30s", "--json", json.path, "--i-know-this-is-not-production"])
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        let result = try JSONDecoder().decode(StressResult.self, from: Data(contentsOf: json))
        let step = try #require(result.steps.first)
        #expect(result.amphorae == 200 && result.shape == "2/1/2")
        #expect(step.intervalSeconds == 5)
        // 40/s for 30 s, give or take the first and last round.
        #expect(step.heartbeatsSent >= 1180 && step.heartbeatsSent <= 1220, "sent \(step.heartbeatsSent)")
        #expect(step.sendErrors == 0 && step.oversize == 0)
        #expect(step.freshness.rows == 200 && step.freshness.missing == 0)
        #expect(step.freshness.olderThanInterval == 0, "\(step.freshness)")
        // MariaDB keeps whole seconds: fresher than the interval means under 5 s + 1 s.
        #expect(step.freshness.max < 6, "\(step.freshness)")
        #expect(step.keptUp && step.drained)
        #expect(step.udpReceiveBufferErrors == 0)

        let log = try Self.log(harness.log, from: offset)
        #expect(!log.lowercased().contains("hmac"), "the HM rejected signatures:\n\(log.suffix(2000))")
        #expect(!log.contains("THIS IS NOT GOOD"), "the HM fell behind:\n\(log.suffix(2000))")
        #expect(step.healthManagerLog == HealthManagerLogCounts())

        // Clean: nothing of the prefix in any column of any table, no orphan, the foreign LB kept.
        #expect(result.rowsCleaned?["amphora_health"] == 200)
        #expect(try Self.rowsAnywhere(database, prefix: result.prefix).isEmpty)
        #expect(try database.count("SELECT \(orphans)") == orphansBefore)
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE id = '\(foreign)'") == 1)
        let store = try #require(try StateStore.openExisting(directory: Self.folder.appendingPathComponent("state")))
        let ledger = Ledger(store: store)
        for run in try ledger.runs() { #expect(try ledger.liveResources(run: run.id).isEmpty) }
    }

    @Test("--ramp: rates grow by the factor per step, each step judged, the knee reported")
    func ramp() async throws {
        let harness = try Harness()
        let json = Self.folder.appendingPathComponent("ramp.json")
        let output = try await Self.stress([
            "--db", harness.url, "--hm", harness.hm, "--key", harness.key, "--load-balancers", "40", "--single",
            "--rate", "10", "--ramp", "--ramp-factor", "2", "--ramp-max", "20", "--duration", "6s", "--report-interval", "1s",
            "--heartbeat-version", "1", "--agents", "2", "--json", json.path, "--i-know-this-is-not-production",
        ])
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        let result = try JSONDecoder().decode(StressResult.self, from: Data(contentsOf: json))
        #expect(result.steps.map(\.rate) == [10, 20])
        #expect(result.steps.map(\.intervalSeconds) == [4, 2])
        #expect(result.steps.allSatisfy { $0.keptUp && $0.freshness.missing == 0 })
        #expect(result.kneeRate == 20 && result.kneeFound == false)
        #expect(output.stdout.contains("knee: 20 heartbeats/s kept up (the ramp ended before the HM fell behind)"))
        // Two agents shared the 40 amphorae: every one was processed.
        #expect(result.steps.last?.freshness.rows == 40)
        let database = try OctaviaDatabaseOpener.open(harness.url)
        #expect(try Self.rowsAnywhere(database, prefix: result.prefix).isEmpty)
    }

    @Test("SIGKILL of the controller mid-test, then `kloudbuster cleanup --all`: no ghost row and no agent left")
    func crashThenCleanup() async throws {
        let harness = try Harness()
        let state = Self.folder.appendingPathComponent("crash-state")
        let database = try OctaviaDatabaseOpener.open(harness.url)
        let controller = try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, [
            "octavia", "stress", "--state-dir", state.path, "--db", harness.url, "--hm", harness.hm, "--key", harness.key,
            "--load-balancers", "20", "--rate", "10", "--duration", "60s", "--i-know-this-is-not-production",
        ])
        // Killed once the ghost rows are recorded, an agent runs and the HM has written for the run.
        var prefix: String?
        var agents: [ProcessIdentity] = []
        let deadline = Date().addingTimeInterval(90)
        while Date() < deadline {
            if let store = try? StateStore.openExisting(directory: state), let run = try? Ledger(store: store).runs().first {
                let resources = try Ledger(store: store).resources(run: run.id)
                prefix = resources.first { $0.kind == .octaviaGhosts }?.externalID
                agents = resources.compactMap { $0.processIdentity?.isAlive == true ? $0.processIdentity : nil }
            }
            if let prefix, !agents.isEmpty,
                try database.count("SELECT count(*) FROM amphora_health WHERE amphora_id LIKE '\(prefix)-%'") > 0 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let ghostPrefix = try #require(prefix, "the stress test never recorded its ghost rows")
        try #require(!agents.isEmpty, "no amphora agent ran")
        kill(controller.pid, SIGKILL)
        _ = await controller.wait(timeout: 10)
        #expect(!(try Self.rowsAnywhere(database, prefix: ghostPrefix).isEmpty))

        let cleanup = try ChildProcess.run(RunEndToEndTests.Binaries.kloudbuster, ["cleanup", "--all", "--state-dir", state.path], timeout: 90)
        #expect(cleanup.status == 0, "\(cleanup.stdout)\n\(cleanup.stderr)")
        #expect(try Self.rowsAnywhere(database, prefix: ghostPrefix).isEmpty)
        for agent in agents { #expect(!agent.isAlive, "agent \(agent.pid) still runs") }
    }

    @Test("bad input is refused before anything is created: empty key, an HM that is not an address, an unreachable database")
    func badInput() async throws {
        let harness = try Harness()
        let database = try OctaviaDatabaseOpener.open(harness.url)
        let before = try database.count("SELECT count(*) FROM load_balancer WHERE id LIKE 'kbo-%'")
        let base = ["--load-balancers", "5", "--duration", "10s", "--i-know-this-is-not-production"]

        let emptyKey = try await Self.stress(base + ["--db", harness.url, "--hm", harness.hm, "--key", ""], timeout: 30)
        #expect(emptyKey.status == 64 || emptyKey.status == 2, "\(emptyKey.status)")
        #expect(emptyKey.stderr.contains("the heartbeat key is empty: give --key KEY"), "\(emptyKey.stderr)")

        for (bad, problem) in [("hm.example.com:5555", "not a numeric IPv4 or IPv6 address"), ("127.0.0.1", "has no :PORT"),
                               ("127.0.0.1:99999", "not 1 to 65535"), ("::1:5555", "IPv6 address without brackets")] {
            let output = try await Self.stress(base + ["--db", harness.url, "--hm", bad, "--key", harness.key], timeout: 30)
            #expect(output.status != 0)
            #expect(output.stderr.contains("--hm: health manager \"\(bad)\"") && output.stderr.contains(problem), "\(output.stderr)")
        }

        let unreachable = try await Self.stress(
            base + ["--db", "mysql://octavia:secret@127.0.0.1:1/octavia", "--hm", harness.hm, "--key", harness.key], timeout: 30)
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("unreachable at 127.0.0.1:1"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("secret"))

        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE id LIKE 'kbo-%'") == before)
    }
}
