import Foundation

/// How the qemu cloud runs its VMs' CPUs, as `--accel` asks.
///
/// TCG (qemu's translator) works on every machine and is the default. KVM is used only after a
/// probe boot of the image under KVM reached a login prompt on this machine: /dev/kvm existing
/// proves nothing (a nested software hypervisor can open it and then hang the guest kernel,
/// as on the machine this tool was built on).
public enum QemuAccelerator: String, Sendable, CaseIterable {
    /// Software translation only.
    case tcg
    /// KVM, or the run stops before booting anything when the probe fails.
    case kvm
    /// KVM when the probe boots, else TCG.
    case auto

    /// The accelerator the run's VMs use, probing KVM (once per image, qemu and kernel: the
    /// outcome is kept in `cache`) unless the choice is `tcg`. `say` gets one line on the
    /// outcome.
    ///
    /// - Throws: `QemuCloudError` when the choice is `kvm` and the probe failed.
    public func resolve(probe: KVMProbe, cache: URL, say: (String) -> Void) async throws -> String {
        guard self != .tcg else { return "tcg" }
        let key = KVMProbe.cacheKey(image: probe.image)
        let outcome: KVMProbe.Outcome
        if let cached = KVMProbe.cached(at: cache, key: key) {
            outcome = cached
            say("KVM: \(outcome.summary) (probed earlier for this image, qemu and kernel; remove \(cache.path) to probe again)")
        } else {
            say("KVM: probe boot of the image (at most \(Int(KVMProbe.timeLimit.components.seconds)) s)")
            outcome = try await probe.run()
            KVMProbe.store(outcome, at: cache, key: key)
            say("KVM: \(outcome.summary)")
        }
        switch (outcome, self) {
        case (.works, _):
            return "kvm"
        case (.fails(let reason), .kvm):
            throw QemuCloudError(operation: "boot the VMs under KVM", reason: "the probe boot failed: \(reason)",
                                 remedy: "use --accel tcg (the default) or --accel auto, which falls back to TCG")
        case (.fails, _):
            say("KVM: booting the VMs under TCG")
            return "tcg"
        }
    }
}

/// One boot of the image under KVM, with no network and a throw-away overlay (qemu's
/// `snapshot=on`), watched on its serial console: a login prompt means KVM works here; qemu
/// exiting, the console going quiet, or no prompt in time means it does not. The qemu process
/// is a ledger resource of the run, so a controller killed mid-probe leaves nothing that
/// `cleanup` does not stop.
public struct KVMProbe: Sendable {
    /// What the probe saw.
    public enum Outcome: Sendable, Equatable {
        /// The guest printed its login prompt this many seconds after qemu started.
        case works(seconds: Int)
        /// Why KVM cannot be used here.
        case fails(String)

        /// One line for the console.
        public var summary: String {
            switch self {
            case .works(let seconds): "the probe boot reached a login prompt in \(seconds) s: the VMs use KVM"
            case .fails(let reason): "the probe boot failed: \(reason)"
            }
        }
    }

    /// The longest a probe may take: a guest under working KVM logs in within seconds.
    public static let timeLimit: Duration = .seconds(120)
    /// How long the console may stay quiet before the guest counts as hung (GRUB's 5 s menu
    /// wait prints nothing).
    public static let stallLimit: Duration = .seconds(20)

    /// The ledger the probe's qemu is recorded in.
    public let ledger: Ledger
    /// The run it belongs to.
    public let runID: String
    /// The image it boots.
    public let image: String

    /// A probe of `image` for `runID`.
    public init(ledger: Ledger, runID: String, image: String) {
        self.ledger = ledger
        self.runID = runID
        self.image = image
    }

    /// The qemu arguments of the probe; its console goes to `consoleLog`.
    public func arguments(consoleLog: String) -> [String] {
        [
            "-name", "kvm-probe", "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-smp", "1", "-m", "512",
            "-nodefaults", "-display", "none", "-monitor", "none", "-serial", "file:\(consoleLog)",
            "-drive", "file=\(image),if=virtio,format=qcow2,snapshot=on", "-nic", "none", "-no-reboot",
        ]
    }

    /// Boots, watches, stops. Throws only when the probe cannot be recorded or started.
    public func run() async throws -> Outcome {
        guard access("/dev/kvm", R_OK | W_OK) == 0 else { return .fails("/dev/kvm is missing or not readable and writable") }
        let folder = try ledger.store.runDirectory(for: runID).appendingPathComponent("kvm-probe")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let console = folder.appendingPathComponent("console.log")
        let processes = ProcessResource(ledger: ledger)
        let record = try processes.spawn(
            run: runID, name: "\(runID)-kvm-probe", executable: "qemu-system-x86_64", arguments: arguments(consoleLog: console.path),
            directory: folder.path, cloud: QemuNetwork.cloud)
        let outcome = await Self.watch(console: console, alive: { record.processIdentity?.isAlive ?? false },
                                  stderr: { (try? processes.logFiles(run: runID, name: record.name).stderr).flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? "" })
        _ = try? await processes.terminate(record, grace: .seconds(1))
        return outcome
    }

    /// Reads the console every 250 ms until one of the outcomes shows.
    static func watch(console: URL, alive: () -> Bool, stderr: () -> String,
                      stallLimit: Duration = Self.stallLimit, timeLimit: Duration = Self.timeLimit) async -> Outcome {
        let clock = ContinuousClock(), start = clock.now
        var lastSize = -1, lastChange = start
        while true {
            let text = (try? String(contentsOf: console, encoding: .utf8)) ?? ""
            if text.contains("login:") { return .works(seconds: Int((clock.now - start).components.seconds)) }
            let lastLine = text.split(whereSeparator: \.isNewline).last.map { String($0.prefix(120)) } ?? ""
            if !alive() {
                let said = stderr().split(whereSeparator: \.isNewline).suffix(2).joined(separator: " ")
                return .fails("qemu exited: \(said.isEmpty ? "(nothing on its stderr)" : said)")
            }
            if text.utf8.count != lastSize { lastSize = text.utf8.count; lastChange = clock.now }
            if clock.now - lastChange >= stallLimit {
                return .fails(lastLine.isEmpty
                    ? "the guest printed nothing in \(stallLimit.components.seconds) s"
                    : "the guest printed nothing for \(stallLimit.components.seconds) s after \u{201C}\(lastLine)\u{201D}")
            }
            if clock.now - start >= timeLimit {
                return .fails("no login prompt within \(timeLimit.components.seconds) s (last: \u{201C}\(lastLine)\u{201D})")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// What the outcome depends on: the image (path, size, modification time), qemu's binary
    /// and the host kernel.
    static func cacheKey(image: String) -> String {
        func stamp(_ path: String) -> String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(path):\(size):\(Int64(modified))"
        }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let qemu = HostCommand.lookUp("qemu-system-x86_64").map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path } ?? "none"
        return [stamp(image), stamp(qemu), release].joined(separator: " ")
    }

    /// The outcome kept for `key`, if any.
    static func cached(at file: URL, key: String) -> Outcome? {
        guard let data = try? Data(contentsOf: file),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              object["key"] as? String == key
        else { return nil }
        if let seconds = object["works_seconds"] as? Int { return .works(seconds: seconds) }
        return (object["fails"] as? String).map { .fails($0) }
    }

    /// Keeps `outcome` for `key` (best effort: without it the next run probes again).
    static func store(_ outcome: Outcome, at file: URL, key: String) {
        var object: [String: Any] = ["key": key, "probed_at": ISO8601DateFormatter().string(from: Date())]
        switch outcome {
        case .works(let seconds): object["works_seconds"] = seconds
        case .fails(let reason): object["fails"] = reason
        }
        try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: file, options: .atomic)
    }
}
