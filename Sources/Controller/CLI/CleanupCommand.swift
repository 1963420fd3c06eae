import ArgumentParser
import Foundation

/// `kloudbuster cleanup [--run ID | --all] [--dry-run]`: deletes what runs left behind, from
/// the ledger alone (after a crash, a kill -9, or a cleanup that failed).
public struct CleanupCommand: AsyncParsableCommand {
    /// The command's name, summary and exit statuses.
    public static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete the resources a run left behind (after a crash or a failed cleanup).",
        discussion: """
            Every resource a run creates is recorded in the state database before it is created, so this finds everything from the ledger alone: children are deleted before their parents, each with retries, and local processes are stopped only if their pid still belongs to the process that was started (a recycled pid is never signalled).

            Examples:
              kloudbuster cleanup --all --dry-run
              kloudbuster cleanup --run kb-20261122-0836-ab12
              kloudbuster cleanup --all --cloud openstack --rc admin-openrc.sh

            On OpenStack each resource is deleted by the id the ledger recorded, or, when the controller died before the cloud answered, by its exact name (which carries the run id); nothing without a run id of this tool in its name is ever touched.

            With --all --cloud openstack, cleanup then sweeps the cloud for what no ledger row names (a lost state directory, another machine's runs): in the projects runs created (the ledger's), the tenants file's project (-l) and the projects named with a run id, it deletes the servers, floating IPs, routers, ports, subnets, networks, security groups and keypairs whose name begins with a well-formed run id and a dash (kb-YYYYMMDD-HHMM-xxxx-), then the users, projects and flavors so named. A bare kb- prefix is never enough, and runs whose controller is alive are spared. --no-sweep skips it.

            Exit status: 0 when nothing is left (and for --dry-run), 1 when something could not be deleted (run it again, or see `kloudbuster runs show ID`), 2 for a usage error such as an unknown run id.
            """)

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// The cloud and its credentials (the ones the run used).
    @OptionGroup public var cloud: CloudOptions

    /// The run to clean up.
    @Option(name: .customLong("run"), help: ArgumentHelp("The run to clean up (see `kloudbuster runs list`).", valueName: "id"))
    public var runID: String?

    /// Clean every run with live resources.
    @Flag(help: "Clean up every run that still has live resources.")
    public var all = false

    /// Only list.
    @Flag(help: "List what would be deleted, and delete nothing.")
    public var dryRun = false

    /// Skip the OpenStack sweep.
    @Flag(help: "With --all --cloud openstack: clean only the runs of the ledger, without sweeping the cloud for leftovers named with a run id.")
    public var noSweep = false

    /// Also clean runs whose controller still runs.
    @Flag(help: "Also clean up runs whose controller is still running (it will find its resources gone).")
    public var force = false

    /// For ArgumentParser.
    public init() {}

    /// Checks that exactly one of --run and --all is given, and that the run exists and is
    /// not being driven by a live controller.
    public func validate() throws {
        guard (runID != nil) != all else {
            throw ValidationError("give either --run ID or --all (see `kloudbuster runs list` for run ids)")
        }
        guard let runID else { return }
        let ledger = try state.openExistingStore().map(Ledger.init(store:))
        guard let run = try ledger?.run(id: runID) else { throw state.unknownRun(runID, ledger: ledger) }
        if !force, let owner = Self.otherLiveController(of: run) {
            throw ValidationError(
                "run \(runID) is still driven by its controller (\(owner)); stop it with SIGINT or SIGTERM (it cleans up itself), or give --force")
        }
    }

    /// Cleans up and prints what was deleted and what could not be; with `--all --cloud
    /// openstack`, sweeps the cloud too. Exits 1 when anything is left.
    public func run() async throws {
        let sweeping = all && cloud.cloud == .openstack && !noSweep
        let store = try state.openExistingStore()
        if store == nil {
            print("No state in \(state.directory().path): \(sweeping ? "no run to clean up from the ledger." : "nothing to clean up.")")
            guard sweeping else { return }
        }
        let ledger = store.map(Ledger.init(store:))
        let sessions = cloud.cloud == .openstack ? try cloud.sessions() : [:]
        var clean = true
        if let ledger { clean = try await cleanLedger(ledger, sessions: sessions) }
        if sweeping { clean = try await sweep(ledger: ledger, sessions: sessions) && clean }
        if !dryRun && !clean { throw ExitCode.failure }
    }

    /// Cleans the run of `--run`, or every run with live resources; false when something is left.
    private func cleanLedger(_ ledger: Ledger, sessions: [String: OpenStackSession]) async throws -> Bool {
        var deleters = Self.deleters(ledger: ledger)
        if cloud.cloud == .openstack { deleters += OpenStackDeleter.all(sessions: sessions) }
        let cleaner = Cleaner(ledger: ledger, deleters: deleters)
        var reports: [CleanupReport] = []
        var skipped: [String] = []
        if let runID {
            reports.append(try await cleaner.clean(run: runID, dryRun: dryRun))
        } else {
            for runID in try ledger.liveResourceCounts().keys.sorted() {
                if !force, let run = try ledger.run(id: runID), let owner = Self.otherLiveController(of: run) {
                    skipped.append("\(runID): skipped, still driven by its controller (\(owner)); stop it or give --force")
                    continue
                }
                reports.append(try await cleaner.clean(run: runID, dryRun: dryRun))
            }
        }
        if reports.isEmpty && skipped.isEmpty {
            print("Nothing to clean up: no run has live resources.")
        }
        for report in reports {
            report.lines.forEach { print($0) }
        }
        skipped.forEach { print($0) }
        return skipped.isEmpty && reports.allSatisfy(\.isClean)
    }

    /// Sweeps each cloud of `sessions` once, with what the ledger knows of the projects and
    /// users runs created; false when a leftover could not be deleted or a listing failed.
    private func sweep(ledger: Ledger?, sessions: [String: OpenStackSession]) async throws -> Bool {
        let tenants = try ledger?.resources(kind: .tenant) ?? []
        let users = try ledger?.resources(kind: .user) ?? []
        let live = force ? [] : try (ledger?.runs() ?? []).filter { Self.otherLiveController(of: $0) != nil }.map(\.id)
        let reuse = try cloud.tenantsFile.map { try TenantReuse(file: $0) }
        var clean = true
        for (name, session) in sessions.sorted(by: { $0.key < $1.key }) {
            let projects = tenants.filter { $0.cloud == name }.compactMap { row in row.externalID.map { ($0, row.runID) } }
            let hints = OpenStackSweeper.Hints(
                projectIDs: Dictionary(projects, uniquingKeysWith: { first, _ in first }),
                userIDs: Set(users.filter { $0.cloud == name }.compactMap(\.externalID)), reuse: reuse, protectedRuns: Set(live))
            do {
                let report = try await OpenStackSweeper(cloudName: name, session: session, hints: hints).sweep(dryRun: dryRun)
                report.lines.forEach { print($0) }
                clean = clean && report.isClean
            } catch {
                print("sweep of cloud \(name) failed, nothing was swept: \(error)")
                clean = false
            }
        }
        return clean
    }

    /// The deleters every cleanup has: local processes, Octavia ghost rows, the qemu cloud's
    /// namespaces, taps and files; `--cloud openstack` adds the OpenStack ones.
    public static func deleters(ledger: Ledger) -> [any ResourceDeleter] {
        [ProcessResourceDeleter(ledger: ledger), OctaviaGhostsDeleter(ledger: ledger)] + QemuResourceDeleters.all(ledger: ledger)
    }

    /// The controller driving `run`, when it is alive and is not this process.
    public static func otherLiveController(of run: RunRecord) -> ProcessIdentity? {
        guard run.status.isActive, let owner = run.liveController, owner.pid != getpid() else { return nil }
        return owner
    }
}
