@testable import Controller
import Foundation
import GRDB
import Testing

/// A fresh state directory under /tmp, removed by `remove()`.
struct TemporaryStateDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kb-state-test-\(UUID().uuidString)", isDirectory: true)
    }

    var path: String { url.path }

    func store() throws -> StateStore { try StateStore(directory: url) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite struct StateStoreTests {
    @Test("opening a new state directory creates it private and migrates the schema")
    func migrationsCreateSchema() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        #expect(try store.schemaVersion() == "v3")
        let columns = try store.read { db in
            try ["run", "resource", "interval"].map { table in
                Set(try db.columns(in: table).map(\.name))
            }
        }
        #expect(columns[0].isSuperset(of: [
            "id", "label", "cloud", "config_yaml", "status", "started_at", "ended_at", "result_json", "controller_pid",
        ]))
        #expect(columns[1].isSuperset(of: [
            "id", "run_id", "kind", "name", "cloud", "parent_id", "external_id", "pid", "pid_start_time", "address",
            "state", "error", "created_at", "deleted_at",
        ]))
        #expect(columns[2] == ["run_id", "stage", "idx", "start_unix_ns", "duration_ns", "summary_json", "histogram"])
        let journal = try store.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")

        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: store.databaseURL.path)[.posixPermissions] as? Int
        #expect(dirMode == 0o700)
        #expect(fileMode == 0o600)
    }

    @Test("a second store on the same directory sees what the first wrote, and migrating again is a no-op")
    func reopenKeepsData() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let runID = try Ledger(store: dir.store()).newRun(label: "a", cloud: "local", configYAML: "x: 1\n").id
        let again = try dir.store()
        #expect(try again.schemaVersion() == "v3")
        #expect(try Ledger(store: again).run(id: runID)?.label == "a")
    }

    @Test("the schema rejects statuses and states outside the closed sets")
    func checkConstraints() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        let store = try dir.store()
        let run = try Ledger(store: store).newRun(label: nil, cloud: "local", configYAML: "")
        #expect(throws: DatabaseError.self) {
            try store.write { db in try db.execute(sql: "UPDATE run SET status = 'bogus' WHERE id = ?", arguments: [run.id]) }
        }
    }

    @Test("openExisting neither creates the directory nor a database")
    func openExistingDoesNotCreate() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        #expect(try StateStore.openExisting(directory: dir.url) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.path))
        _ = try dir.store()
        #expect(try StateStore.openExisting(directory: dir.url) != nil)
    }

    @Test("a state directory that is a file is refused with the path and what to do")
    func stateDirectoryIsAFile() throws {
        let dir = TemporaryStateDirectory()
        defer { dir.remove() }
        _ = FileManager.default.createFile(atPath: dir.path, contents: Data("x".utf8))
        let error = #expect(throws: StateStoreError.self) { try dir.store() }
        #expect(error?.description.contains(dir.path) == true)
        #expect(error?.description.contains("--state-dir") == true)
    }

    @Test("run ids are short, sortable by time and well formed")
    func runIDs() throws {
        let date = Date(timeIntervalSince1970: 1_795_336_560)  // 2026-11-22 08:36 UTC
        let id = RunID.make(at: date)
        #expect(id.hasPrefix("kb-20261122-0836-"))
        #expect(id.count == 21)
        #expect(RunID.isWellFormed(id))
        #expect(!RunID.isWellFormed("kb-2026112-0836-ab12"))
        #expect(!RunID.isWellFormed("kb-20261122-0836-zz12"))
    }

    @Test("a name's run id is found only when the name begins with a well-formed run id and a dash")
    func runIDPrefix() throws {
        let id = RunID.make()
        #expect(RunID.prefix(of: "\(id)-s0-r0-n1") == id)
        #expect(RunID.prefix(of: "\(id)-") == id)
        #expect(RunID.prefix(of: id) == nil, "a bare run id is not a resource name of the run")
        #expect(RunID.prefix(of: "\(id)x-net") == nil)
        #expect(RunID.prefix(of: "kb-something-net") == nil)
        #expect(RunID.prefix(of: "kb-20261122-0836-zz12-net") == nil)
        #expect(RunID.prefix(of: "kb-2026112-00836-ab12-net") == nil)
        #expect(RunID.prefix(of: "x\(id)-net") == nil)
        #expect(RunID.prefix(of: "") == nil)
    }

    @Test("/proc/<pid>/stat is parsed from the last parenthesis, whatever the command name holds")
    func procStatParsing() throws {
        let fields = (4...52).map(String.init).joined(separator: " ")  // field 22 is "22"
        let stat = ProcessStat.parse("4242 (we) ird (name) S \(fields)")
        #expect(stat == ProcessStat(state: "S", startTime: 22))
        let own = try #require(ProcessIdentity.current)
        #expect(own.pid == getpid())
        #expect(own.isAlive)
        #expect(!ProcessIdentity(pid: own.pid, startTime: own.startTime + 1).isAlive)
        #expect(ProcessIdentity(pid: own.pid, startTime: own.startTime + 1).isRecycled)
    }
}
