@testable import Controller
import Foundation
import Testing

/// Against the real Octavia 19 schema on MariaDB (`eval "$(scripts/octavia-local.sh up)"`
/// exports OCTAVIA_DB_URL). Disabled without OCTAVIA_DB_URL, unless KB_REQUIRE_OCTAVIA=1,
/// which makes a missing harness a failure.
private let octaviaEnvironment = ProcessInfo.processInfo.environment
private let octaviaMariaDBEnabled = octaviaEnvironment["OCTAVIA_DB_URL"] != nil || octaviaEnvironment["KB_REQUIRE_OCTAVIA"] == "1"

@Suite(.enabled(if: octaviaMariaDBEnabled, "needs OCTAVIA_DB_URL (eval \"$(scripts/octavia-local.sh up)\")"))
struct OctaviaMariaDBTests {
    static func url() throws -> String {
        try #require(
            octaviaEnvironment["OCTAVIA_DB_URL"].flatMap { $0.isEmpty ? nil : $0 },
            "KB_REQUIRE_OCTAVIA=1 but OCTAVIA_DB_URL is not set: run eval \"$(scripts/octavia-local.sh up)\" first")
    }

    @Test("populate then clean on MariaDB: the expected rows, then none, foreign rows untouched")
    func roundTrip() throws {
        let url = try Self.url()
        let shape = OctaviaShape(loadBalancers: 10, listeners: 2, pools: 1, members: 2, l7policies: 1, l7rules: 2)
        let population = try OctaviaPopulateCommand.populate(url: url, shape: shape, batch: 4, allowForeign: true)
        let database = try OctaviaDatabaseOpener.open(url)
        let before = try database.count("SELECT count(*) FROM load_balancer WHERE id NOT LIKE '\(population.prefix)-%'")
        #expect(try database.prefixedRows(population.prefix) == [
            "load_balancer": 10, "vip": 10, "amphora": 20, "listener": 20, "pool": 20, "health_monitor": 20,
            "session_persistence": 20, "member": 40, "l7policy": 20, "l7rule": 40,
        ])
        try database.execute("""
            INSERT INTO amphora_health (amphora_id, last_update, busy) SELECT id, UTC_TIMESTAMP(), 0 FROM amphora WHERE id LIKE '\(population.prefix)-%'
            """)
        let deleted = try OctaviaCleanCommand.clean(url: url, prefix: population.prefix)
        #expect(deleted["amphora_health"] == 20 && deleted["l7rule"] == 40)
        #expect(try database.prefixedRows(population.prefix).isEmpty)
        #expect(try database.count("SELECT count(*) FROM load_balancer WHERE id NOT LIKE '\(population.prefix)-%'") == before)
    }

    @Test("a wrong password is refused with a message naming the masked URL and the credentials")
    func authFailure() throws {
        let url = try Self.url()
        let wrong = url.replacingOccurrences(of: #":[^:@/]+@"#, with: ":wrong-password@", options: .regularExpression)
        let error = #expect(throws: OctaviaDatabaseError.self) { try OctaviaDatabaseOpener.open(wrong) }
        #expect(error?.description.contains("refused the user name or password") == true)
        #expect(error?.description.contains("***") == true)
        #expect(error?.description.contains("wrong-password") == false)
    }

    @Test("an unreachable server is named with host and port")
    func unreachable() throws {
        _ = try Self.url()
        let error = #expect(throws: OctaviaDatabaseError.self) {
            try OctaviaDatabaseOpener.open("mysql://octavia:x@127.0.0.1:1/octavia")
        }
        #expect(error?.description.contains("unreachable at 127.0.0.1:1") == true)
    }

    @Test("the real health manager accepts heartbeats for the ghost amphorae, and clean removes what it wrote")
    func healthManagerRoundTrip() throws {
        let url = try Self.url()
        let hm = try #require(octaviaEnvironment["OCTAVIA_HM"], "OCTAVIA_HM is not set: eval \"$(scripts/octavia-local.sh up)\"")
        let key = try #require(octaviaEnvironment["OCTAVIA_HM_KEY"], "OCTAVIA_HM_KEY is not set: eval \"$(scripts/octavia-local.sh up)\"")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".octavia/venv/bin/python")
        try #require(FileManager.default.isExecutableFile(atPath: python.path), "no Octavia venv at \(python.path): run scripts/octavia-local.sh venv")
        let shape = OctaviaShape(loadBalancers: 3, listeners: 2, pools: 1, members: 2)
        let population = try OctaviaPopulateCommand.populate(url: url, shape: shape, batch: 2, allowForeign: true)
        let database = try OctaviaDatabaseOpener.open(url)
        defer { _ = try? OctaviaCleaner(database: database).clean(prefix: population.prefix) }

        // One v1 heartbeat per amphora, wrapped by Octavia's own code (ids as populate makes them).
        let script = """
            import socket, sys, time
            from octavia.amphorae.backends.health_daemon import status_message
            p, host, port, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for lb in range(3):
                for a in range(2):
                    listeners = {}
                    for l in range(2):
                        n = lb * 2 + l
                        listeners[f"{p}-ls-{n}"] = {"status": "OPEN", "stats": {"conns": 1, "totconns": 5, "ereq": 0, "rx": 100, "tx": 200},
                            "pools": {f"{p}-pool-{n}": {"status": "UP", "members": {f"{p}-mb-{n*2}": "UP", f"{p}-mb-{n*2+1}": "UP"}}}}
                    msg = {"id": f"{p}-amp-{lb*2+a}", "seq": 1, "listeners": listeners, "recv_time": time.time()}
                    s.sendto(status_message.wrap_envelope(msg, key), (host, port))
            """
        let parts = hm.split(separator: ":")
        let process = Process()
        process.executableURL = python
        process.arguments = ["-c", script, population.prefix, String(parts[0]), String(parts[1]), key]
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "the heartbeat sender failed")

        let deadline = Date().addingTimeInterval(15)
        var rows: [String: Int] = [:]
        while Date() < deadline {
            rows = try database.prefixedRows(population.prefix)
            if rows["amphora_health"] == 6 && rows["listener_statistics"] == 12 { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(rows["amphora_health"] == 6, "the health manager wrote no amphora_health rows for the ghosts (see $OCTAVIA_HM_LOG)")
        #expect(rows["listener_statistics"] == 12)

        let deleted = try OctaviaCleanCommand.clean(url: url, prefix: population.prefix)
        #expect(deleted["amphora_health"] == 6 && deleted["listener_statistics"] == 12)
        #expect(try database.prefixedRows(population.prefix).isEmpty)
    }
}
