import ArgumentParser
@testable import Controller
import Foundation
import Testing

/// The stress command's inputs: stresshm.conf, options over it, the environment, the ramp's
/// steps and the agents' shares, each problem named before anything is created.
@Suite struct OctaviaStressSettingsTests {
    /// The original tool's sample, as shipped (with loopback addresses).
    static let sample = """
        [DEFAULT]
        # debug = True
        [health_manager]
        controller_ip_port_list = 127.0.0.1:5555, 127.0.0.2:5556
        heartbeat_key = insecure
        heartbeat_interval = 10
        heartbeat_version = 0
        [test_params]
        test_runtime_secs = 60
        octavia_db_connection = mysql+pymysql://octavia:pw@127.0.0.1:3306/octavia
        load_balancers = 3
        listeners = 2
        pools = 1
        health_monitors = 1
        members = 2
        l7policies = 1
        l7rules = 1
        """

    static func command(_ arguments: [String]) throws -> OctaviaStressCommand {
        try OctaviaStressCommand.parse(arguments)
    }

    @Test("stresshm.conf gives every default; version 0 (no ver) is read as 1")
    func stresshmConf() throws {
        let config = try StresshmConfig.parse(Self.sample, file: "stresshm.conf")
        #expect(config.endpoints == "127.0.0.1:5555, 127.0.0.2:5556" && config.key == "insecure")
        #expect(config.interval == 10 && config.version == 1 && config.duration == 60)
        #expect(config.database == "mysql+pymysql://octavia:pw@127.0.0.1:3306/octavia")
        #expect(config.loadBalancers == 3 && config.listeners == 2 && config.pools == 1 && config.members == 2)
        #expect(config.l7policies == 1 && config.l7rules == 1)
    }

    @Test("a typo or a bad value in stresshm.conf names the file, the line and the keys it knows")
    func stresshmProblems() {
        #expect(throws: StresshmConfig.Problem.self) { try StresshmConfig.parse("[test_params]\nload_balancer = 3", file: "x.conf") }
        let error = #expect(throws: StresshmConfig.Problem.self) { try StresshmConfig.parse("[test_params]\n\nmembers = two", file: "x.conf") }
        #expect(error?.description == "x.conf:3: members = \"two\" is not a whole number >= 0")
        let typo = #expect(throws: StresshmConfig.Problem.self) { try StresshmConfig.parse("[health_manager]\nheartbeat_keys = k", file: "x.conf") }
        #expect(typo?.description.hasPrefix("x.conf:2: unknown key heartbeat_keys in [health_manager];") == true)
    }

    @Test("options override the file; --rate sets the interval from the amphorae")
    func optionsOverFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-stresshm-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("stresshm.conf")
        try Self.sample.write(to: file, atomically: true, encoding: .utf8)

        let fromFile = try Self.command(["--config-file", file.path]).settings(environment: [:])
        #expect(fromFile.endpoints.map(\.description) == ["127.0.0.1:5555", "127.0.0.2:5556"])
        #expect(fromFile.shape == OctaviaShape(loadBalancers: 3, listeners: 2, pools: 1, members: 2, l7policies: 1, l7rules: 1))
        #expect(fromFile.interval == .seconds(10) && fromFile.duration == .seconds(60) && fromFile.version == 1)

        let overridden = try Self.command([
            "--config-file", file.path, "--load-balancers", "100", "--rate", "40", "--duration", "30s", "--hm", "127.0.0.9:7000", "--key", "other",
        ]).settings(environment: [:])
        #expect(overridden.amphorae == 200 && overridden.interval == .seconds(5) && overridden.duration == .seconds(30))
        #expect(overridden.endpoints.map(\.description) == ["127.0.0.9:7000"] && overridden.key == "other")
    }

    @Test("the environment the harness exports is enough; without it each missing input is named")
    func environment() throws {
        let environment = ["OCTAVIA_DB_URL": "mysql://u:p@127.0.0.1:1/octavia", "OCTAVIA_HM": "127.0.0.1:5555", "OCTAVIA_HM_KEY": "k", "OCTAVIA_HM_LOG": "/tmp/hm.log"]
        let settings = try Self.command([]).settings(environment: environment)
        #expect(settings.key == "k" && settings.hmLog == "/tmp/hm.log" && settings.version == 3 && settings.interval == .seconds(10))
        func message(_ arguments: [String], _ environment: [String: String]) -> String {
            do {
                _ = try Self.command(arguments).settings(environment: environment)
                return "accepted"
            } catch { return "\(error)" }
        }
        #expect(message([], [:]).contains("give --db URL"))
        #expect(message(["--db", "sqlite:///x"], [:]).contains("give --hm HOST:PORT"))
        #expect(message(["--db", "sqlite:///x", "--hm", "127.0.0.1:1"], [:]).contains("the heartbeat key is empty"))
        #expect(message(["--key", ""], environment).contains("the heartbeat key is empty"))
        #expect(message(["--hm", "hm.local:5555"], environment).contains("--hm: health manager \"hm.local:5555\" has host"))
        #expect(message(["--interval", "5s", "--rate", "10"], environment).contains("give --interval or --rate, not both"))
        #expect(message(["--heartbeat-version", "4"], environment).contains("must be 1, 2 or 3"))
        #expect(message(["--agents", "21"], environment).contains("--agents must be from 1 to the number of amphorae, 20 (got 21)"))
        #expect(message(["--ramp", "--rate", "10"], environment).contains("has no second step"))
        #expect(message(["--interval", "20s", "--duration", "10s"], environment).contains("--duration 10 s is shorter than the interval (20 s)"))
    }

    @Test("a ramp multiplies the rate until --ramp-max or a 2 s interval; agents share the amphorae evenly")
    func rampAndShares() throws {
        var settings = try Self.command(["--load-balancers", "1000", "--rate", "100", "--ramp", "--ramp-factor", "2", "--agents", "3", "--duration", "20s"])
            .settings(environment: ["OCTAVIA_DB_URL": "sqlite:///x", "OCTAVIA_HM": "127.0.0.1:5555", "OCTAVIA_HM_KEY": "k"])
        // 2000 amphorae: 100, 200, 400, 800 heartbeats/s; 1600 would be 1.25 s.
        #expect(settings.stepIntervals == [.seconds(20), .seconds(10), .seconds(5), .milliseconds(2500)])
        settings.ramp?.maxRate = 300
        #expect(settings.stepIntervals == [.seconds(20), .seconds(10)])
        let shares = (0..<3).map { settings.params(agent: $0, prefix: "kbo-000001", interval: .seconds(5)) }
        #expect(shares.map(\.firstAmphora) == [0, 667, 1334] && shares.map(\.amphoraCount) == [667, 667, 666])
        #expect(shares.allSatisfy { $0.heartbeatIntervalMs == 5000 && $0.key == "k" && $0.healthManagers == ["127.0.0.1:5555"] })
    }

    @Test("durations: 500ms, 10s, 2m, 1.5; zero, negative and words refused")
    func durations() {
        #expect(DurationArgument(argument: "500ms")?.duration == .milliseconds(500))
        #expect(DurationArgument(argument: "10s")?.duration == .seconds(10))
        #expect(DurationArgument(argument: "2m")?.duration == .seconds(120))
        #expect(DurationArgument(argument: "1.5")?.duration == .milliseconds(1500))
        for bad in ["0", "-1s", "soon", "", "1x"] { #expect(DurationArgument(argument: bad) == nil, "\(bad)") }
    }
}
