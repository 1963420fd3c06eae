/// The ids of the ghost rows a populate creates, shared by the controller (which inserts them)
/// and the amphora agents (which put them in heartbeats), so a Prepare carries a prefix and a
/// shape instead of millions of ids.
///
/// Every id is `<prefix>-<kind>-<n>`, where `n` counts objects of that kind across the whole
/// run in load-balancer order: amphora `a` of load balancer `lb` is `lb * amphoraePerLB + a`,
/// listener `l` of it `lb * listeners + l`, pool `p` of listener `ln` is `ln * pools + p`, member
/// `m` of pool `pn` is `pn * members + m`. With a `kbo-xxxxxx` prefix the longest id stays
/// within the 36 characters Octavia's id columns hold.
public struct OctaviaGhostNames: Sendable, Equatable {
    /// The run prefix, e.g. `kbo-1a2b3c`.
    public let prefix: String
    /// Listeners per load balancer.
    public let listeners: Int
    /// Pools per listener.
    public let pools: Int
    /// Members per pool.
    public let members: Int
    /// Amphorae per load balancer (1 or 2).
    public let amphoraePerLB: Int

    /// Names for a run of `prefix` with this shape.
    public init(prefix: String, listeners: Int, pools: Int, members: Int, amphoraePerLB: Int) {
        self.prefix = prefix
        self.listeners = listeners
        self.pools = pools
        self.members = members
        self.amphoraePerLB = amphoraePerLB
    }

    /// The id of object `n` of `kind` (`lb`, `amp`, `ls`, `pool`, `mb`, ...).
    public func id(_ kind: String, _ n: Int) -> String { "\(prefix)-\(kind)-\(n)" }

    /// Amphora `a` (0-based) of load balancer `lb`.
    public func amphoraNumber(lb: Int, _ a: Int) -> Int { lb * amphoraePerLB + a }

    /// Listener `l` of load balancer `lb`.
    public func listenerNumber(lb: Int, _ l: Int) -> Int { lb * listeners + l }

    /// Pool `p` of listener number `listener`.
    public func poolNumber(listener: Int, _ p: Int) -> Int { listener * pools + p }

    /// Member `m` of pool number `pool`.
    public func memberNumber(pool: Int, _ m: Int) -> Int { pool * members + m }

    /// What amphora number `amphora` reports: its id, and per listener of its load balancer
    /// the listener id with its pools and their member ids.
    public func amphora(_ amphora: Int) -> (id: String, listeners: [(id: String, pools: [(id: String, members: [String])])]) {
        let lb = amphora / max(1, amphoraePerLB)
        let listenerList = (0..<listeners).map { l in
            let listener = listenerNumber(lb: lb, l)
            let poolList = (0..<pools).map { p in
                let pool = poolNumber(listener: listener, p)
                return (id: id("pool", pool), members: (0..<members).map { id("mb", memberNumber(pool: pool, $0)) })
            }
            return (id: id("ls", listener), pools: poolList)
        }
        return (id: id("amp", amphora), listeners: listenerList)
    }
}
