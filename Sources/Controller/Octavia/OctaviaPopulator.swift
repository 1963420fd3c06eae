import Foundation

/// How many ghost objects `populate` creates: multipliers, as the original stresshm counts
/// them (each listener gets `pools` pools, each pool `members` members, one health monitor
/// and one session persistence; each listener `l7policies` policies of `l7rules` rules).
public struct OctaviaShape: Sendable, Equatable {
    /// Load balancers.
    public var loadBalancers: Int
    /// Listeners per load balancer.
    public var listeners: Int
    /// Pools per listener (the first one is the listener's default pool).
    public var pools: Int
    /// Members per pool.
    public var members: Int
    /// L7 policies per listener.
    public var l7policies: Int
    /// L7 rules per L7 policy.
    public var l7rules: Int
    /// Amphorae per load balancer: 2 (ACTIVE_STANDBY, MASTER and BACKUP) or 1 (SINGLE).
    public var amphorae: Int

    /// Creates a shape; ACTIVE_STANDBY by default, like production Octavia.
    public init(loadBalancers: Int, listeners: Int, pools: Int, members: Int, l7policies: Int = 0, l7rules: Int = 0, amphorae: Int = 2) {
        self.loadBalancers = loadBalancers
        self.listeners = listeners
        self.pools = pools
        self.members = members
        self.l7policies = l7policies
        self.l7rules = l7rules
        self.amphorae = amphorae
    }

    /// Rows per table one load balancer needs.
    public var rowsPerLoadBalancer: [String: Int] {
        let pools = listeners * self.pools
        return [
            "load_balancer": 1, "vip": 1, "amphora": amphorae, "listener": listeners, "pool": pools,
            "health_monitor": pools, "session_persistence": pools, "member": pools * members,
            "l7policy": listeners * l7policies, "l7rule": listeners * l7policies * l7rules,
        ]
    }
}

/// What populate created.
public struct OctaviaPopulation: Sendable, Codable, Equatable {
    /// The run prefix every id and name starts with; `clean --prefix` takes it.
    public var prefix: String
    /// Rows inserted, by table.
    public var rows: [String: Int]
}

/// Inserts ghost load balancers into an Octavia database, one transaction per batch.
///
/// Every id is `<prefix>-<kind>-<n>` (at most 36 characters, the columns' width) and every
/// name equals the id, so `OctaviaCleaner` finds exactly these rows with `LIKE 'prefix-%'`.
/// The ids are not UUIDs: the health manager looks them up as strings and never parses them.
public struct OctaviaPopulator {
    /// Where the rows go.
    public let database: any OctaviaDatabase
    /// Load balancers per transaction.
    public var batchSize = 50
    /// Members per INSERT statement.
    var rowsPerStatement = 200

    /// Prepares to populate `database`.
    public init(database: any OctaviaDatabase, batchSize: Int = 50) {
        self.database = database
        self.batchSize = max(1, batchSize)
    }

    /// A fresh run prefix: `kbo-` and 6 random hex digits.
    public static func newPrefix() -> String {
        "kbo-" + String(format: "%06x", UInt32.random(in: 0..<0x100_0000))
    }

    /// Whether `prefix` has the shape `newPrefix` makes (so that clean never matches more).
    public static func isValidPrefix(_ prefix: String) -> Bool {
        prefix.wholeMatch(of: /kbo-[0-9a-f]{6}/) != nil
    }

    /// Load balancers whose id does not start with `kbo-`: ones this tool did not create.
    public func foreignLoadBalancerCount() throws -> Int {
        try database.count("SELECT count(*) FROM load_balancer WHERE id NOT LIKE 'kbo-%'")
    }

    /// Creates `shape`'s rows under `prefix`; on any failure removes what it inserted and
    /// rethrows.
    public func populate(_ shape: OctaviaShape, prefix: String = OctaviaPopulator.newPrefix()) throws -> OctaviaPopulation {
        var rows: [String: Int] = [:]
        do {
            var first = 0
            while first < shape.loadBalancers {
                let count = min(batchSize, shape.loadBalancers - first)
                let batch = try database.transaction {
                    try insertBatch(shape, prefix: prefix, range: first..<(first + count))
                }
                rows.merge(batch, uniquingKeysWith: +)
                first += count
            }
        } catch {
            _ = try? OctaviaCleaner(database: database).clean(prefix: prefix)
            throw error
        }
        return OctaviaPopulation(prefix: prefix, rows: rows)
    }

    /// One batch's rows, parents first (a listener's default pool before the listener).
    private func insertBatch(_ shape: OctaviaShape, prefix: String, range: Range<Int>) throws -> [String: Int] {
        let rows = OctaviaGhostRows(shape: shape, prefix: prefix, quote: database.quote, range: range)
        var counts: [String: Int] = [:]
        for table in rows.tables {
            let values = rows.values[table.name] ?? []
            counts[table.name] = values.count
            var start = 0
            while start < values.count {
                let chunk = values[start..<min(start + rowsPerStatement, values.count)]
                try database.execute(
                    "INSERT INTO \(table.name) (\(table.columns)) VALUES " + chunk.map { "(\($0))" }.joined(separator: ","))
                start += chunk.count
            }
        }
        return counts
    }
}
