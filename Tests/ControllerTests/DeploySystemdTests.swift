@testable import Controller
import Foundation
import KBTestSupport
import Testing

/// The systemd units of deploy/systemd pass `systemd-analyze verify` in a scratch root that
/// holds the host's stock units (for the targets they order against) and a stand-in
/// /usr/local/bin/kloudbuster, so that a misspelled directive, a bad value or a wrong binary
/// path fails here rather than on an operator's host.
///
/// Without systemd-analyze the suite is skipped, except under CI (`CI=true`), where it fails.
@Suite("deploy/systemd units verify", .serialized, .enabled(if: SystemdAnalyze.path != nil || SystemdAnalyze.isCI))
struct DeploySystemdTests {
    static let folder = NginxServer.repository.appendingPathComponent("deploy/systemd")

    /// Every unit file of the folder: a new one is verified without touching this test.
    static func unitFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".service") || $0.hasSuffix(".timer") }.sorted()
    }

    /// A scratch root: stock units under usr/lib/systemd/system, `units` (name → text) under
    /// etc/systemd/system, and an executable stand-in at usr/local/bin/kloudbuster.
    static func scratchRoot(_ units: [String: String]) throws -> URL {
        let files = FileManager.default
        let root = files.temporaryDirectory.appendingPathComponent("kb-systemd-\(UUID().uuidString.prefix(8))")
        let stock = root.appendingPathComponent("usr/lib/systemd")
        try files.createDirectory(at: stock, withIntermediateDirectories: true)
        let host = ["/usr/lib/systemd/system", "/lib/systemd/system"].first { files.fileExists(atPath: $0) }
        let copied = try ChildProcess.run(URL(fileURLWithPath: "/bin/cp"), ["-a", try #require(host), stock.path], timeout: 60)
        try #require(copied.status == 0, "copying the stock units failed: \(copied.stderr)")
        let bin = root.appendingPathComponent("usr/local/bin")
        try files.createDirectory(at: bin, withIntermediateDirectories: true)
        let stub = bin.appendingPathComponent("kloudbuster")
        try "#!/bin/sh\nexit 0\n".write(to: stub, atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        let system = root.appendingPathComponent("etc/systemd/system")
        try files.createDirectory(at: system, withIntermediateDirectories: true)
        for (name, text) in units { try text.write(to: system.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return root
    }

    /// What `systemd-analyze verify` says of `names` in `root`: its status and every line it
    /// printed (it prints nothing for sound units; an unknown key is only a warning, status 0).
    static func verify(_ names: [String], root: URL) async throws -> (status: Int32, output: String) {
        let analyzer = try #require(SystemdAnalyze.path, "systemd-analyze is not installed (Debian package systemd); CI=true requires it")
        let result = await (try ChildProcess(
            analyzer, ["verify", "--root=\(root.path)", "--man=no", "--generators=no"] + names,
            environment: ["PATH": "/usr/bin:/bin", "SYSTEMD_LOG_COLOR": "0"])).wait(timeout: 120)
        return (result.status, (result.stdout + result.stderr).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The name to verify a unit file by: templates get an instance.
    static func instance(_ file: String) -> String {
        file.replacingOccurrences(of: "@.", with: "@sample.")
    }

    @Test("every unit in deploy/systemd verifies with no message")
    func unitsVerify() async throws {
        let files = try Self.unitFiles()
        #expect(files.count >= 4, "\(files)")
        var units: [String: String] = [:]
        for file in files { units[file] = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8) }
        let root = try Self.scratchRoot(units)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try await Self.verify(files.map(Self.instance), root: root)
        #expect(result.status == 0 && result.output.isEmpty, "systemd-analyze verify:\n\(result.output)")
    }

    @Test("the agent image's units (kb-agent, SSH host keys, the wait-online drop-in) verify with no message")
    func imageUnitsVerify() async throws {
        let element = NginxServer.repository.appendingPathComponent("image/elements/kb-agent/static")
        let system = element.appendingPathComponent("etc/systemd/system")
        var units: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: system.path) where file.hasSuffix(".service") {
            units[file] = try String(contentsOf: system.appendingPathComponent(file), encoding: .utf8)
        }
        #expect(units.keys.sorted() == ["kb-agent.service", "kb-ssh-host-keys.service"])
        let root = try Self.scratchRoot(units)
        defer { try? FileManager.default.removeItem(at: root) }
        // What the units run, as the image has it: the start script itself, stand-ins for the
        // binaries, and the drop-in beside its stock unit.
        let files = FileManager.default
        for (path, text) in [
            ("usr/local/libexec/kb-agent-start", try String(contentsOf: element.appendingPathComponent("usr/local/libexec/kb-agent-start"), encoding: .utf8)),
            ("usr/local/bin/kb-agent", "#!/bin/sh\nexit 0\n"), ("usr/bin/ssh-keygen", "#!/bin/sh\nexit 0\n"),
            ("lib/systemd/systemd-networkd-wait-online", "#!/bin/sh\nexit 0\n"),
        ] {
            let file = root.appendingPathComponent(path)
            try files.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        }
        let dropIn = "systemd-networkd-wait-online.service.d"
        try files.createDirectory(at: root.appendingPathComponent("etc/systemd/system/\(dropIn)"), withIntermediateDirectories: true)
        try files.copyItem(at: system.appendingPathComponent("\(dropIn)/kb-agent.conf"),
                           to: root.appendingPathComponent("etc/systemd/system/\(dropIn)/kb-agent.conf"))
        let result = try await Self.verify(units.keys.sorted() + ["systemd-networkd-wait-online.service"], root: root)
        #expect(result.status == 0 && result.output.isEmpty, "systemd-analyze verify:\n\(result.output)")
    }

    @Test("the check is not blind: a misspelled directive, a bad value and a binary elsewhere are reported")
    func verifyCatchesMistakes() async throws {
        let good = try String(contentsOf: Self.folder.appendingPathComponent("kloudbuster-cleanup.service"), encoding: .utf8)
        let broken = [
            "typo.service": good.replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSytem=strict"),
            "value.service": good.replacingOccurrences(of: "Type=oneshot", with: "Type=oneshott"),
            "path.service": good.replacingOccurrences(of: "/usr/local/bin/kloudbuster", with: "/usr/bin/kloudbuster"),
        ]
        for (name, text) in broken { #expect(text != good, "\(name) did not change the unit") }
        let root = try Self.scratchRoot(broken)
        defer { try? FileManager.default.removeItem(at: root) }
        let expected = ["typo.service": "Unknown key", "value.service": "oneshott", "path.service": "is not executable"]
        for (name, message) in expected {
            let result = try await Self.verify([name], root: root)
            #expect(result.output.contains(message), "\(name): \(result.output)")
        }
    }

    @Test("the units run /usr/local/bin/kloudbuster on /var/lib/kloudbuster, and an untrusted verdict (3) fails the run unit")
    func conventions() throws {
        for file in try Self.unitFiles() where file.hasSuffix(".service") {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            let exec = text.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
            #expect(exec.count == 1 && exec[0].hasPrefix("ExecStart=/usr/local/bin/kloudbuster "), "\(file): \(exec)")
            #expect(exec.first?.contains("--state-dir /var/lib/kloudbuster") == true, "\(file)")
            #expect(text.contains("StateDirectory=kloudbuster"), "\(file)")
        }
        let run = try String(contentsOf: Self.folder.appendingPathComponent("kloudbuster-run@.service"), encoding: .utf8)
        let success = run.split(separator: "\n").filter { $0.hasPrefix("SuccessExitStatus=") }.flatMap { $0.dropFirst(18).split(separator: " ") }
        #expect(!success.contains("\(RunCommand.untrustedStatus)"), "exit status 3 must stay a failure")
        #expect(run.contains("-c /etc/kloudbuster/%i.yaml"))
    }
}

/// Where systemd-analyze is, and whether its absence is a failure.
enum SystemdAnalyze {
    /// The executable, when installed.
    static var path: URL? {
        ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].map(URL.init(fileURLWithPath:))
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// CI (`CI=true`): a missing systemd-analyze fails the suite instead of skipping it.
    static var isCI: Bool {
        ["true", "1"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }
}
