@testable import Controller
import Foundation

/// A fresh SQLite file with Octavia's schema and lookup rows, removed by `remove()`.
struct OctaviaTestDatabase {
    let directory: URL
    let url: String

    init(schema: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-octavia-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("octavia.sqlite").path
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        url = "sqlite://" + path
        let database = try SQLiteOctaviaDatabase(url: url)
        if schema {
            try database.execute(OctaviaSchemaFixture.sqliteSchema)
            try database.execute(OctaviaSchemaFixture.lookupRows)
        } else {
            try database.execute("CREATE TABLE load_balancer (id VARCHAR(36) PRIMARY KEY); CREATE TABLE things (x INTEGER)")
        }
    }

    func open() throws -> any OctaviaDatabase { try OctaviaDatabaseOpener.open(url) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// An `OctaviaDatabase` that fails the `failAt`-th INSERT into `table` (1-based), to make a
/// populate fail midway; everything else goes to the real database.
final class FailingOctaviaDatabase: OctaviaDatabase {
    struct InjectedFailure: Error {}
    let base: any OctaviaDatabase
    let table: String
    let failAt: Int
    private(set) var inserts = 0

    init(_ base: any OctaviaDatabase, table: String, failAt: Int) {
        self.base = base
        self.table = table
        self.failAt = failAt
    }

    var displayURL: String { base.displayURL }
    func execute(_ sql: String) throws -> Int {
        if sql.hasPrefix("INSERT INTO \(table) ") {
            inserts += 1
            if inserts == failAt { throw InjectedFailure() }
        }
        return try base.execute(sql)
    }
    func strings(_ sql: String) throws -> [String] { try base.strings(sql) }
    func quote(_ text: String) -> String { base.quote(text) }
    func tableNames() throws -> Set<String> { try base.tableNames() }
    func ageMicroseconds(of column: String) -> String { base.ageMicroseconds(of: column) }
    var timestampResolution: Double { base.timestampResolution }
}

extension OctaviaDatabase {
    /// Rows of every table of the tool whose prefix column starts with `prefix`.
    func prefixedRows(_ prefix: String) throws -> [String: Int] {
        try OctaviaCleaner(database: self).rowCounts(prefix: prefix)
    }
}
