import Foundation
import GRDB

/// An Octavia database in an SQLite file (local runs and tests), through GRDB.
///
/// Calls block the calling thread on disk I/O and SQLite's lock; callers use
/// `OctaviaBlocking.run`.
public final class SQLiteOctaviaDatabase: OctaviaDatabase {
    /// The URL (SQLite has no password).
    public let displayURL: String
    private let queue: DatabaseQueue

    /// Opens `sqlite:///absolute/path` (`sqlite:////abs` as SQLAlchemy writes it works too);
    /// the file must exist: opening a mistyped path would otherwise create an empty database.
    public init(url: String) throws {
        displayURL = url
        let path = "/" + url.dropFirst("sqlite://".count).drop { $0 == "/" }
        guard url.hasPrefix("sqlite:///"), FileManager.default.fileExists(atPath: path) else {
            throw OctaviaDatabaseError(
                url: url, problem: "names no existing SQLite file (\(path))",
                remedy: "give sqlite:///ABSOLUTE/PATH of a database created with Octavia's schema")
        }
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(10)
        // OctaviaDatabase.transaction sends BEGIN and COMMIT as statements of their own, each
        // in its own database access (the same text drives MariaDB).
        configuration.allowsUnsafeTransactions = true
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw OctaviaDatabaseError(url: url, problem: "could not be opened (\(error))", remedy: "check the file and its permissions")
        }
    }

    private func wrap<T>(_ sql: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.inDatabase(body)
        } catch let error as DatabaseError {
            throw OctaviaDatabaseError(
                url: displayURL, problem: "failed `\(sql.prefix(80))…`: \(error.message ?? "\(error)")",
                remedy: "check that the schema is Octavia's and that the file is writable")
        }
    }

    @discardableResult
    public func execute(_ sql: String) throws -> Int {
        try wrap(sql) { db in
            try db.execute(sql: sql)
            return db.changesCount
        }
    }

    public func strings(_ sql: String) throws -> [String] {
        try wrap(sql) { db in
            try Row.fetchAll(db, sql: sql).map { row in
                let value: DatabaseValue = row[0]
                switch value.storage {
                case .null: return ""
                case .int64(let number): return String(number)
                case .double(let number): return String(number)
                case .string(let text): return text
                case .blob(let data): return String(decoding: data, as: UTF8.self)
                }
            }
        }
    }

    /// julianday difference against 'now' (UTC), in microseconds.
    public func ageMicroseconds(of column: String) -> String {
        "CAST((julianday('now') - julianday(\(column))) * 86400000000.0 AS INTEGER)"
    }

    /// SQLite keeps the text Python wrote, microseconds included.
    public var timestampResolution: Double { 0.000001 }

    public func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    public func tableNames() throws -> Set<String> {
        Set(try strings("SELECT name FROM sqlite_master WHERE type = 'table'"))
    }
}
