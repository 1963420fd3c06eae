@testable import Controller
import Foundation
import Testing

@Suite struct LedgerTests {
    @Test("a new run is staging, owned by this process, with a well-formed id")
    func newRun() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: "smoke", cloud: "local", configYAML: "server: {}\n")
        #expect(RunID.isWellFormed(run.id))
        #expect(run.status == .staging)
        #expect(run.controllerPID == getpid())
        #expect(run.liveController?.pid == getpid())
        let stored = try #require(try ledger.run(id: run.id))
        #expect(stored.label == "smoke" && stored.cloud == "local" && stored.configYAML == "server: {}\n")
        #expect(abs(stored.startedAt.timeIntervalSince(run.startedAt)) < 0.01)
    }

    @Test("intend commits the row in creating before it returns: another connection sees it")
    func intendIsDurableAtOnce() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let id = try ledger.intend(run: run.id, kind: .vm, name: "\(run.id)-vm-0", cloud: "local", address: "127.1.0.2")
        let other = try Ledger(store: dir.store())  // as `kloudbuster cleanup` would open it
        let row = try #require(try other.resource(id))
        #expect(row.state == .creating)
        #expect(row.name == "\(run.id)-vm-0")
        #expect(row.address == "127.1.0.2")
        #expect(row.pid == nil)
    }

    @Test("a resource goes creating → created → deleting → deleted with what the cloud returned")
    func roundTrip() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: "")
        let id = try ledger.intend(run: run.id, kind: .router, name: "\(run.id)-router-0", cloud: "devstack")
        try ledger.markCreated(id, externalID: "6f1c-uuid", pid: 42, pidStartTime: 4242)
        var row = try #require(try ledger.resource(id))
        #expect(row.state == .created)
        #expect(row.externalID == "6f1c-uuid")
        #expect(row.processIdentity == ProcessIdentity(pid: 42, startTime: 4242))
        #expect(try ledger.liveResources(run: run.id).map(\.id) == [id])

        try ledger.markDeleting(id)
        #expect(try ledger.resource(id)?.state == .deleting)
        try ledger.markDeleteFailed(id, error: "409 Conflict: router has ports")
        row = try #require(try ledger.resource(id))
        #expect(row.state == .failedDelete)
        #expect(row.error == "409 Conflict: router has ports")
        #expect(try ledger.liveResources(run: run.id).map(\.id) == [id])
        #expect(try ledger.liveResourceCounts() == [run.id: 1])

        try ledger.markDeleted(id)
        row = try #require(try ledger.resource(id))
        #expect(row.state == .deleted)
        #expect(row.deletedAt != nil)
        #expect(try ledger.liveResources(run: run.id).isEmpty)
        #expect(try ledger.liveResourceCounts().isEmpty)
        #expect(row.externalID == "6f1c-uuid")
    }

    @Test("live resources come children before parents, newest first, without deleted ones")
    func deletionOrder() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "openstack", configYAML: "")
        func add(_ kind: ResourceKind, _ name: String, parent: ResourceID? = nil) throws -> ResourceID {
            let id = try ledger.intend(run: run.id, kind: kind, name: "\(run.id)-\(name)", cloud: "c", parent: parent)
            try ledger.markCreated(id)
            return id
        }
        let tenant0 = try add(.tenant, "t0")
        let router0 = try add(.router, "t0-r0", parent: tenant0)
        let tenant1 = try add(.tenant, "t1")
        let network0 = try add(.network, "t0-r0-n0", parent: router0)
        let vm0 = try add(.vm, "t0-r0-n0-vm0", parent: network0)
        let vm1 = try add(.vm, "t0-r0-n0-vm1", parent: network0)
        let network1 = try add(.network, "t1-n0", parent: tenant1)
        try ledger.markDeleted(vm0)

        let order = try ledger.liveResources(run: run.id).map(\.id)
        #expect(order == [network1, vm1, network0, tenant1, router0, tenant0])
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        for resource in try ledger.liveResources(run: run.id) {
            if let parent = resource.parentID, let p = position[parent] {
                #expect(position[resource.id]! < p, "\(resource.name) must be deleted before its parent")
            }
        }
    }

    @Test("a name without the run id, an unknown run and another run's parent are refused")
    func misuseIsRefused() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let run = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let other = try ledger.newRun(label: nil, cloud: "local", configYAML: "")
        let error = #expect(throws: LedgerError.self) {
            try ledger.intend(run: run.id, kind: .vm, name: "vm-0", cloud: "local")
        }
        #expect(error?.kind == .nameWithoutRunID)
        #expect(error?.description.contains(run.id) == true)
        #expect(throws: LedgerError(kind: .unknownRun, subject: "kb-nope", remedy: "list the known runs with `kloudbuster runs list`")) {
            try ledger.intend(run: "kb-nope", kind: .vm, name: "kb-nope-vm", cloud: "local")
        }
        let foreign = try ledger.intend(run: other.id, kind: .tenant, name: "\(other.id)-t0", cloud: "local")
        #expect(throws: LedgerError.self) {
            try ledger.intend(run: run.id, kind: .vm, name: "\(run.id)-vm", cloud: "local", parent: foreign)
        }
        #expect(throws: LedgerError.self) { try ledger.markDeleted(ResourceID(rawValue: 9999)) }
        #expect(throws: LedgerError.self) { try ledger.setRunStatus("kb-nope", .done) }
        #expect(try ledger.resources(run: run.id).isEmpty, "a refused intend leaves no row")
    }

    @Test("statuses, results and intervals are stored; ending sets the end time once")
    func runLifecycle() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let ledger = try Ledger(store: dir.store())
        let first = try ledger.newRun(label: "first", cloud: "local", configYAML: "")
        let second = try ledger.newRun(label: "second", cloud: "local", configYAML: "")
        let runs = try ledger.runs()
        #expect(Set(runs.map(\.id)) == [first.id, second.id])
        #expect(runs[0].startedAt >= runs[1].startedAt, "newest first")

        try ledger.setRunStatus(first.id, .running)
        #expect(try ledger.run(id: first.id)?.endedAt == nil)
        try ledger.setRunStatus(first.id, .done)
        let ended = try #require(try ledger.run(id: first.id)?.endedAt)
        try ledger.setRunStatus(first.id, .failed)
        #expect(try ledger.run(id: first.id)?.endedAt == ended)
        #expect(try ledger.run(id: first.id)?.status == .failed)

        try ledger.storeResult(run: first.id, json: #"{"kb_result": []}"#)
        #expect(try ledger.run(id: first.id)?.resultJSON == #"{"kb_result": []}"#)

        let histogram = Data([0x1c, 0x84, 0x93, 0x14])
        var interval = IntervalRecord(
            runID: first.id, stage: 0, index: 0, startUnixNanoseconds: 1_000, durationNanoseconds: 1_000_000_000,
            summaryJSON: #"{"rps": 10}"#, histogram: histogram)
        try ledger.storeInterval(interval)
        interval.summaryJSON = #"{"rps": 11}"#
        try ledger.storeInterval(interval)
        try ledger.storeInterval(IntervalRecord(
            runID: first.id, stage: 0, index: 1, startUnixNanoseconds: 2_000, durationNanoseconds: 1,
            summaryJSON: "{}", histogram: nil))
        let stored = try ledger.intervals(run: first.id)
        #expect(stored.count == 2)
        #expect(stored[0] == interval)
        #expect(stored[1].histogram == nil)
        #expect(throws: LedgerError.self) {
            try ledger.storeInterval(IntervalRecord(
                runID: "kb-nope", stage: 0, index: 0, startUnixNanoseconds: 0, durationNanoseconds: 0,
                summaryJSON: "{}", histogram: nil))
        }
    }
}
