@testable import Controller
import Foundation
import Synchronization
import Testing

/// A deleter for tests: records the order of calls, and fails the names it is told to.
final class RecordingDeleter: ResourceDeleter {
    let kind: ResourceKind
    private let state = Mutex<(calls: [String], failing: Set<String>)>(([], []))
    private let delay: Duration

    init(kind: ResourceKind, failing: Set<String> = [], delay: Duration = .zero) {
        self.kind = kind
        self.delay = delay
        state.withLock { $0.failing = failing }
    }

    var calls: [String] { state.withLock { $0.calls } }

    func heal() { state.withLock { $0.failing = [] } }

    func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        let fails = state.withLock { s -> Bool in
            s.calls.append(resource.name)
            return s.failing.contains(resource.name)
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        if fails { throw TestDeleteError(name: resource.name) }
        return .deleted
    }

    struct TestDeleteError: Error, CustomStringConvertible {
        let name: String
        var description: String { "409 Conflict deleting \(name)" }
    }
}

@Suite struct CleanupTests {
    /// Starts `/bin/sleep 60` for a new run through a store that is then dropped, as a
    /// controller killed with SIGKILL would leave it.
    static func crashedControllerLeavingASleeper(in dir: TemporaryStateDirectory) throws -> (run: String, process: ProcessIdentity) {
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: "crash", cloud: "local", configYAML: "")
        try ledger.setRunStatus(run.id, .running)
        let record = try ProcessResource(ledger: ledger).spawn(
            run: run.id, name: "\(run.id)-agent-0", executable: "/bin/sleep", arguments: ["60"])
        return (run.id, try #require(record.processIdentity))
    }

    @Test("after a controller crash, a cleaner on a fresh store stops the process and records it deleted")
    func cleanAfterCrash() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (runID, process) = try Self.crashedControllerLeavingASleeper(in: dir)
        defer { ProcFS.killIfStillOurs(process) }
        #expect(process.isAlive)

        let ledger = try Ledger(store: dir.store())
        let report = try await Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)]).clean(run: runID)

        #expect(report.deleted.map(\.resource.pid) == [process.pid])
        #expect(report.failed.isEmpty && report.isClean)
        #expect(!FileManager.default.fileExists(atPath: "/proc/\(process.pid)") || !process.isAlive)
        #expect(!process.isAlive)
        #expect(try ledger.liveResources(run: runID).isEmpty)
        #expect(try ledger.resources(run: runID).map(\.state) == [.deleted])
        #expect(try ledger.run(id: runID)?.status == .done)
    }

    @Test("a process found by its marker is stopped even when the crash came before its pid was recorded")
    func cleanUnrecordedPid() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (runID, process) = try Self.crashedControllerLeavingASleeper(in: dir)
        defer { ProcFS.killIfStillOurs(process) }
        let store = try dir.store()
        try store.write { db in
            try db.execute(sql: "UPDATE resource SET state = 'creating', pid = NULL, pid_start_time = NULL")
        }
        let ledger = Ledger(store: store)
        let report = try await Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)]).clean(run: runID)
        #expect(report.deleted.count == 1)
        #expect(await ProcFS.eventually { !process.isAlive })
    }

    @Test("a ledger row whose pid now belongs to another process is marked gone and nothing is killed")
    func recycledPid() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (runID, process) = try Self.crashedControllerLeavingASleeper(in: dir)
        defer { ProcFS.killIfStillOurs(process) }
        let store = try dir.store()
        try store.write { db in
            try db.execute(sql: "UPDATE resource SET pid_start_time = pid_start_time + 7")
        }
        let ledger = Ledger(store: store)
        let report = try await Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)]).clean(run: runID)
        #expect(report.deleted.isEmpty)
        #expect(report.alreadyGone.count == 1)
        #expect(report.alreadyGone.first?.detail?.contains("not signalled") == true)
        try await Task.sleep(for: .milliseconds(100))
        #expect(process.isAlive)
        #expect(try ledger.liveResources(run: runID).isEmpty)
    }

    @Test("a dry run lists the live resources in deletion order and changes nothing")
    func dryRun() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let (runID, process) = try Self.crashedControllerLeavingASleeper(in: dir)
        defer { ProcFS.killIfStillOurs(process) }
        let ledger = try Ledger(store: dir.store())
        let report = try await Cleaner(ledger: ledger, deleters: [ProcessResourceDeleter(ledger: ledger)])
            .clean(run: runID, dryRun: true)
        #expect(report.dryRun)
        #expect(report.wouldDelete.map(\.resource.pid) == [process.pid])
        #expect(!report.isClean)
        try await Task.sleep(for: .milliseconds(100))
        #expect(process.isAlive)
        #expect(try ledger.resources(run: runID).map(\.state) == [.created])
        #expect(try ledger.run(id: runID)?.status == .running)
        #expect(try await ProcessResource(ledger: ledger).terminate(ledger.liveResources(run: runID)[0]) == .deleted)
    }

    @Test("children are deleted before parents; a child that keeps failing is retried, and keeps its parents")
    func orderRetriesAndBlockedParents() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: "")
        func add(_ kind: ResourceKind, _ name: String, parent: ResourceID? = nil) throws -> ResourceID {
            let id = try ledger.intend(run: run.id, kind: kind, name: "\(run.id)-\(name)", cloud: "c", parent: parent)
            try ledger.markCreated(id)
            return id
        }
        let tenant = try add(.tenant, "t0")
        let router = try add(.router, "r0", parent: tenant)
        let network = try add(.network, "n0", parent: router)
        _ = try add(.vm, "vm0", parent: network)
        _ = try add(.vm, "vm1", parent: network)
        let other = try add(.tenant, "t1")
        let failingName = "\(run.id)-vm0"
        let vms = RecordingDeleter(kind: .vm, failing: [failingName])
        let rest = RecordingDeleter(kind: .network)
        let routers = RecordingDeleter(kind: .router)
        let tenants = RecordingDeleter(kind: .tenant)
        let cleaner = Cleaner(ledger: ledger, deleters: [vms, rest, routers, tenants], attempts: 3, retryDelay: .milliseconds(1))

        let report = try await cleaner.clean(run: run.id)
        #expect(vms.calls == ["\(run.id)-vm1", failingName, failingName, failingName], "three attempts for the failing one")
        #expect(rest.calls.isEmpty && routers.calls.isEmpty, "parents of a failed child are not attempted")
        #expect(tenants.calls == ["\(run.id)-t1"])
        #expect(Set(report.failed.map(\.resource.name)) == [failingName, "\(run.id)-n0", "\(run.id)-r0", "\(run.id)-t0"])
        #expect(report.failed.first?.detail?.contains("409 Conflict") == true)
        #expect(report.deleted.map(\.resource.id).contains(other))
        #expect(try ledger.run(id: run.id)?.status == .failed)
        #expect(try ledger.resource(network)?.state == .failedDelete)
        #expect(try ledger.resource(network)?.error?.contains("child") == true)

        vms.heal()
        let second = try await cleaner.clean(run: run.id)
        #expect(second.isClean)
        #expect(second.deleted.map(\.resource.name) == [failingName, "\(run.id)-n0", "\(run.id)-r0", "\(run.id)-t0"])
        #expect(try ledger.liveResources(run: run.id).isEmpty)
    }

    @Test("a kind without a deleter is reported as not deleted, with the reason")
    func missingDeleter() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: "")
        let id = try ledger.intend(run: run.id, kind: .router, name: "\(run.id)-r0", cloud: "devstack")
        let report = try await Cleaner(ledger: ledger, deleters: []).clean(run: run.id)
        #expect(report.failed.map(\.resource.id) == [id])
        #expect(report.failed.first?.detail?.contains("no deleter for kind router") == true)
        #expect(try ledger.resource(id)?.state == .failedDelete)
    }

    @Test("two cleanups of one run at once delete each resource once")
    func concurrentCleanupsJoin() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "c", configYAML: "")
        for i in 0..<3 {
            try ledger.markCreated(try ledger.intend(run: run.id, kind: .vm, name: "\(run.id)-vm\(i)", cloud: "c"))
        }
        let vms = RecordingDeleter(kind: .vm, delay: .milliseconds(50))
        let cleaner = Cleaner(ledger: ledger, deleters: [vms])
        async let first = cleaner.clean(run: run.id)
        async let second = cleaner.clean(run: run.id)
        let reports = try await [first, second]
        #expect(vms.calls.count == 3)
        #expect(reports[0] == reports[1])
        #expect(await cleaner.lastReport(run: run.id) == reports[0])
    }

    @Test("an unknown run is an error that says how to list the known ones")
    func unknownRun() async throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        await #expect(throws: LedgerError.self) { try await Cleaner(ledger: ledger, deleters: []).clean(run: "kb-x") }
    }
}
