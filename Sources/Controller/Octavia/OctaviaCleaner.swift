import Foundation

/// Deletes the rows of one populate run, children before parents, including the
/// `amphora_health` and `listener_statistics` rows the health manager wrote for the run's
/// amphorae and listeners. Only ids that start with `<prefix>-` are touched.
public struct OctaviaCleaner {
    /// The database to clean.
    public let database: any OctaviaDatabase

    /// Prepares to clean `database`.
    public init(database: any OctaviaDatabase) {
        self.database = database
    }

    /// The delete order, with the columns that carry the prefix (a row matches if any does).
    static let order: [(table: String, columns: [String])] = [
        ("l7rule", ["id"]), ("l7policy", ["id"]), ("listener_statistics", ["listener_id", "amphora_id"]),
        ("amphora_health", ["amphora_id"]), ("listener", ["id"]), ("health_monitor", ["id"]),
        ("session_persistence", ["pool_id"]), ("member", ["id"]), ("pool", ["id"]), ("amphora", ["id"]),
        ("vip", ["load_balancer_id"]), ("load_balancer", ["id"]),
    ]

    /// Rows carrying `prefix`, by table (tables with none left out).
    public func rowCounts(prefix: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (table, columns) in Self.order {
            let n = try database.count("SELECT count(*) FROM \(table) WHERE \(condition(columns, prefix))")
            if n > 0 { counts[table] = n }
        }
        return counts
    }

    /// Deletes every row of the run in one transaction and returns the rows deleted by table.
    @discardableResult
    public func clean(prefix: String) throws -> [String: Int] {
        precondition(OctaviaPopulator.isValidPrefix(prefix), "clean(prefix:) needs a kbo-xxxxxx prefix, got \(prefix)")
        return try database.transaction {
            var deleted: [String: Int] = [:]
            for (table, columns) in Self.order {
                let n = try database.execute("DELETE FROM \(table) WHERE \(condition(columns, prefix))")
                if n > 0 { deleted[table] = n }
            }
            return deleted
        }
    }

    /// `column LIKE 'prefix-%' OR ...`; a valid prefix holds no LIKE wildcard.
    private func condition(_ columns: [String], _ prefix: String) -> String {
        let pattern = database.quote(prefix + "-%")
        return columns.map { "\($0) LIKE \(pattern)" }.joined(separator: " OR ")
    }
}
