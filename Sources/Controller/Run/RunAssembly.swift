import ArgumentParser
import Foundation
import Logging
import Proto
import ServiceLifecycle
import UnixSignals

/// Turns a `RunRequest` into a staged-to-be run: checks what would make it fail later (output
/// files, the cloud's preflight), records the run, builds its topology, its cloud's launcher,
/// the controller's link and the coordinator. `kloudbuster run` and the server both call it;
/// neither assembles a run any other way.
public struct RunAssembly: Sendable {
    /// The request.
    public let request: RunRequest
    /// Where runs are recorded.
    public let store: StateStore
    /// Where the run's lines (and events) go.
    public let console: ConsoleReport

    /// An assembly of `request` recorded in `store`, reporting to `console`.
    public init(request: RunRequest, store: StateStore, console: ConsoleReport) {
        self.request = request
        self.store = store
        self.console = console
    }

    /// Checks, records and builds the run. Before the run is recorded a problem is a
    /// `ValidationError` (nothing exists yet); after, the run is marked failed and the error
    /// rethrown.
    public func assemble() async throws -> AssembledRun {
        var configuration = request.configuration
        let outputs = (
            json: request.jsonFile ?? configuration.result.jsonFile, hlog: request.hlogFile ?? configuration.result.hlogFile,
            html: request.htmlFile ?? configuration.result.htmlFile
        )
        // Before anything else: a typo in a path must cost a second, not the whole test.
        for (path, option) in [(outputs.json, "--json"), (outputs.hlog, "--hlog"), (outputs.html, "--html")] {
            guard let path else { continue }
            do { try OutputFile.checkWritable(path, option: option) } catch { throw ValidationError("\(option): \(error)") }
        }
        let cloud = request.cloud
        let openstack = cloud.cloud == .openstack
            ? try OpenStackRunSetup(
                options: cloud, topologyFile: request.topologyFile, configuration: configuration, credentials: request.openstackCredentials)
            : nil
        if let openstack {
            configuration = openstack.configuration
            openstack.notes.forEach { console.progress("note: \($0)") }
        } else if cloud.cloud == .qemu {
            try Self.preflightQemu(configuration)
        } else {
            try Self.preflightLocal(configuration)
        }
        let image = cloud.cloud == .qemu
            ? try QemuImage.locate(option: cloud.image, configured: configuration.openstack.vmImageFile) : nil
        let ledger = Ledger(store: store)
        let run = try ledger.newRun(
            label: request.effectiveLabel,
            cloud: openstack?.server.cloudName ?? (image != nil ? QemuNetwork.cloud : ProcessResource.cloud),
            configYAML: configuration.effectiveYAML())
        do {
            let topology = openstack != nil || image != nil
                ? try RunTopology(server: configuration.server, runID: run.id, addresses: TenantNetworkAddresses())
                : try Self.localTopology(configuration, runID: run.id, ledger: ledger, console: console)
            let launcher: any AgentLauncher
            var deleters = CleanupCommand.deleters(ledger: ledger)
            if let openstack {
                launcher = OpenStackCloud(stager: openstack.stager(
                    topology: topology, configuration: configuration, ledger: ledger, status: .standardOutput,
                    progress: console.progress))
                deleters += OpenStackDeleter.all(sessions: openstack.sessions)
            } else if let image {
                let console = console
                let accelerator = try await cloud.accel.resolve(
                    probe: KVMProbe(ledger: ledger, runID: run.id, image: image),
                    cache: ledger.store.directory.appendingPathComponent("kvm-probe.json")) { console.progress($0) }
                launcher = QemuCloud(
                    ledger: ledger, image: image, configuration: configuration, runID: run.id,
                    publicKeys: try Self.publicKeys(configuration), accelerator: accelerator)
            } else if let samples = request.swarmSamples {
                launcher = SwarmCloud(ledger: ledger, agentBinary: try AgentBinary.locate(option: request.agentBinary), samples: samples)
                console.progress("note: --swarm-samples: kb-agent swarm plays the \(topology.agents.count) agents with \(samples) invented latencies per interval; the traffic figures are synthetic, the controller's work is real")
            } else {
                launcher = LocalCloud(ledger: ledger, agentBinary: try AgentBinary.locate(option: request.agentBinary))
            }
            let bindHost = try request.controllerAddress ?? openstack?.controllerAddress() ?? "127.0.0.1"
            let serverKeys = try CurveKeyPair.generate()
            let link = try ControllerLink(bindHost: bindHost, serverKeys: serverKeys)
            var settings = RunSettings(configuration: configuration)
            // Under TCG a VM takes 60-100 s from qemu's start to its agent's Hello.
            if image != nil { settings.joinTimeout = Self.qemuJoinTimeout }
            let coordinator = try RunCoordinator(
                runID: run.id, configuration: configuration, settings: settings,
                topology: topology, link: link, serverKeys: serverKeys,
                launcher: launcher, ledger: ledger,
                cleaner: Cleaner(ledger: ledger, deleters: deleters),
                console: console,
                outputs: .init(
                    jsonFile: outputs.json, hlogFile: outputs.hlog, htmlFile: outputs.html,
                    label: request.effectiveLabel, cleanup: configuration.cleanupResources && !request.noCleanup),
                gate: request.gate)
            return AssembledRun(runID: run.id, coordinator: coordinator, link: link)
        } catch {
            try? ledger.setRunStatus(run.id, .failed)
            throw error
        }
    }

    /// How long the VMs of a qemu run have to boot and say Hello.
    static let qemuJoinTimeout: Duration = .seconds(300)
}

/// A run ready to go: its id, its coordinator and the link its agents dial.
public struct AssembledRun: Sendable {
    /// The run id.
    public let runID: String
    /// The coordinator, idle until `run` starts it.
    public let coordinator: RunCoordinator
    /// The controller's link, open until the run's services end.
    public let link: ControllerLink

    /// Runs the run to its end in one service group (the link first, so that it closes last);
    /// `signals` start a graceful stop (the CLI passes SIGINT and SIGTERM, the server none: it
    /// stops runs through the coordinator). Returns the coordinator's outcome.
    @discardableResult
    public func run(gracefulShutdownSignals signals: [UnixSignal] = []) async throws -> RunCoordinator.Outcome? {
        // The group logs its own lifecycle at info; the run's console is the user's view.
        var logger = Logger(label: "kloudbuster.run")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: ControllerLinkService(link: link)),
                .init(
                    service: RunService(coordinator: coordinator),
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: signals,
            logger: logger))
        try await group.run()
        return await coordinator.outcome
    }
}
