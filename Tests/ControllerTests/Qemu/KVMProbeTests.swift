import Foundation
import KBTestSupport
import Testing

@testable import Controller

/// `--accel`: TCG unless a probe boot proves KVM works on this machine.
@Suite("KVM probe", .serialized)
struct KVMProbeTests {
    /// A console file the test writes as a guest would.
    final class Console {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kb-console-\(UUID().uuidString.prefix(8)).log")
        init(_ text: String) throws { try text.write(to: file, atomically: true, encoding: .utf8) }
        func append(_ text: String) throws {
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        }
        deinit { try? FileManager.default.removeItem(at: file) }
    }

    @Test("a login prompt on the console means KVM works; a console that goes quiet, or qemu exiting, means it does not")
    func watchOutcomes() async throws {
        let booting = try Console("SeaBIOS\nBooting from Hard Disk...\n")
        let appender = Task {
            try await Task.sleep(for: .milliseconds(300))
            try booting.append("Debian GNU/Linux 12 kb-agent ttyS0\n\nkb-agent login: ")
        }
        let works = await KVMProbe.watch(console: booting.file, alive: { true }, stderr: { "" },
                                         stallLimit: .seconds(5), timeLimit: .seconds(10))
        try await appender.value
        guard case .works = works else { Issue.record("a login prompt did not count: \(works)"); return }

        let hung = try Console("Probing EDD (edd=off to disable)... ok\n")
        let quiet = await KVMProbe.watch(console: hung.file, alive: { true }, stderr: { "" },
                                         stallLimit: .milliseconds(600), timeLimit: .seconds(10))
        guard case .fails(let stalled) = quiet, stalled.hasSuffix("after \u{201C}Probing EDD (edd=off to disable)... ok\u{201D}") else {
            Issue.record("a console gone quiet did not fail the probe: \(quiet)"); return
        }

        let silent = try Console("")
        let exited = await KVMProbe.watch(console: silent.file, alive: { false },
                                          stderr: { "qemu-system-x86_64: failed to initialize kvm: Permission denied\n" })
        #expect(exited == .fails("qemu exited: qemu-system-x86_64: failed to initialize kvm: Permission denied"))

        let slow = try Console("")
        let endless = Task {
            for line in 0..<100 {
                try? slow.append("line \(line)\n")
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        let late = await KVMProbe.watch(console: slow.file, alive: { true }, stderr: { "" },
                                        stallLimit: .seconds(5), timeLimit: .seconds(1))
        endless.cancel()
        guard case .fails(let reason) = late, reason.hasPrefix("no login prompt within 1 s") else {
            Issue.record("a guest still printing at the time limit: \(late)"); return
        }
    }

    @Test("tcg never probes; kvm stops the run on a failed probe and names what to use; auto falls back to TCG; the outcome is kept per image")
    func resolveChoices() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "qemu", configYAML: "")
        let image = dir.url.appendingPathComponent("agent.qcow2")
        try Data("not a disk".utf8).write(to: image)
        let probe = KVMProbe(ledger: ledger, runID: run.id, image: image.path)
        let cache = dir.url.appendingPathComponent("kvm-probe.json")
        var lines: [String] = []

        #expect(try await QemuAccelerator.tcg.resolve(probe: probe, cache: cache) { lines.append($0) } == "tcg")
        #expect(lines.isEmpty && !FileManager.default.fileExists(atPath: cache.path))

        KVMProbe.store(.fails("the guest printed nothing for 20 s"), at: cache, key: KVMProbe.cacheKey(image: image.path))
        #expect(try await QemuAccelerator.auto.resolve(probe: probe, cache: cache) { lines.append($0) } == "tcg")
        #expect(lines.contains { $0.contains("probed earlier") } && lines.last == "KVM: booting the VMs under TCG", "\(lines)")
        do {
            _ = try await QemuAccelerator.kvm.resolve(probe: probe, cache: cache) { _ in }
            Issue.record("--accel kvm went on after a failed probe")
        } catch let error as QemuCloudError {
            #expect("\(error)".contains("the guest printed nothing for 20 s") && "\(error)".contains("--accel tcg"), "\(error)")
        }

        KVMProbe.store(.works(seconds: 9), at: cache, key: KVMProbe.cacheKey(image: image.path))
        #expect(try await QemuAccelerator.kvm.resolve(probe: probe, cache: cache) { _ in } == "kvm")
        // A rebuilt image is probed again: the kept outcome no longer matches.
        try Data("another disk".utf8).write(to: image)
        #expect(KVMProbe.cached(at: cache, key: KVMProbe.cacheKey(image: image.path)) == nil)
    }

    @Test("the probe boots the agent image under KVM, ends with an outcome within its limit, and leaves no qemu behind",
          .enabled(if: AgentImage.enabled))
    func probeThisMachine() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "qemu", configYAML: "")
        let probe = KVMProbe(ledger: ledger, runID: run.id, image: try AgentImage.require().path)
        let started = ContinuousClock.now
        let outcome = try await probe.run()
        let took = ContinuousClock.now - started
        print("KVM probe on this machine: \(outcome.summary) (\(took))")
        #expect(took < KVMProbe.timeLimit + .seconds(10))
        let console = (try? String(contentsOf: ledger.store.runDirectory(for: run.id).appendingPathComponent("kvm-probe/console.log"), encoding: .utf8)) ?? ""
        switch outcome {
        case .works: #expect(console.contains("login:"))
        case .fails(let reason):
            #expect(!reason.isEmpty)
            if access("/dev/kvm", R_OK | W_OK) != 0 { #expect(reason.contains("/dev/kvm")) }
        }
        #expect(RunLeftovers.processes(runID: run.id).isEmpty, "\(RunLeftovers.processes(runID: run.id))")
        #expect(try ledger.liveResources(run: run.id).isEmpty)
    }

    @Test("`run --cloud qemu --accel kvm` after a failed probe stops before staging, names the probe's finding and --accel tcg; --accel without qemu is a usage error",
          .enabled(if: AgentImage.enabled))
    func runRefusesFailedKVM() async throws {
        let workspace = try QemuRunTests.Workspace()
        defer { try? FileManager.default.removeItem(at: workspace.directory) }
        let image = try AgentImage.require().path
        try FileManager.default.createDirectory(at: workspace.state, withIntermediateDirectories: true)
        KVMProbe.store(.fails("the guest printed nothing for 20 s after \u{201C}Probing EDD\u{201D}"),
                       at: workspace.state.appendingPathComponent("kvm-probe.json"), key: KVMProbe.cacheKey(image: image))
        let result = await (try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, [
            "run", "--cloud", "qemu", "--accel", "kvm", "--image", image, "-c", workspace.config.path, "--state-dir", workspace.state.path,
        ])).wait(timeout: 60)
        #expect(result.status != 0)
        let said = result.stdout + result.stderr
        #expect(said.contains("the probe boot failed: the guest printed nothing for 20 s") && said.contains("--accel tcg"), "\(said)")
        #expect(!said.contains("started 1 of"), "a VM was booted:\n\(said)")
        let disks = FileManager.default.enumerator(atPath: workspace.state.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".qcow2") } ?? []
        #expect(disks.isEmpty, "VM disks were made: \(disks)")

        let local = await (try ChildProcess(RunEndToEndTests.Binaries.kloudbuster, [
            "run", "--accel", "kvm", "-c", workspace.config.path, "--state-dir", workspace.state.path,
        ])).wait(timeout: 30)
        #expect(local.status == 2)
        #expect(local.stderr.contains("--accel needs --cloud qemu"), "\(local.stderr)")
    }
}
