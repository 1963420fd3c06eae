/// What an amphora's heartbeat says besides its counters: the amphora, its listeners with their
/// status, their pools and their members' statuses, and the message version.
///
/// It changes rarely (a member goes down, a listener fills up), so an encoder turns it into a
/// `HeartbeatTemplate` once and then only fills in the sequence number and counters per message.
/// Identifiers and statuses are free text, escaped as JSON strings.
public struct AmphoraStatus: Sendable, Equatable {
    /// A listener: its id, its HAProxy status (`OPEN`, `FULL`) and the pools behind it.
    public struct Listener: Sendable, Equatable {
        /// The listener id.
        public var id: String
        /// `OPEN` while it accepts connections, `FULL` at its connection limit.
        public var status: String
        /// Pools reached through this listener.
        public var pools: [Pool]

        /// Creates a listener.
        public init(id: String, status: String = "OPEN", pools: [Pool] = []) {
            self.id = id
            self.status = status
            self.pools = pools
        }
    }

    /// A pool: its id, its status (`UP`, `DOWN`) and its members.
    public struct Pool: Sendable, Equatable {
        /// The pool id.
        public var id: String
        /// `UP`, or `DOWN` when no member is up.
        public var status: String
        /// The pool's members, in message order.
        public var members: [Member]

        /// Creates a pool.
        public init(id: String, status: String = "UP", members: [Member] = []) {
            self.id = id
            self.status = status
            self.members = members
        }
    }

    /// A member: its id and its health-check status (`UP`, `DOWN`, `MAINT`, `DRAIN`,
    /// `no check`).
    public struct Member: Sendable, Equatable {
        /// The member id.
        public var id: String
        /// The member's status as HAProxy reports it.
        public var status: String

        /// Creates a member.
        public init(id: String, status: String = "UP") {
            self.id = id
            self.status = status
        }
    }

    /// The amphora id (`id`).
    public var amphoraID: String
    /// The message version (`ver`).
    public var version: HeartbeatVersion
    /// The amphora's listeners; each heartbeat carries one `ListenerStats` per listener, in this
    /// order.
    public var listeners: [Listener]

    /// Creates a status.
    public init(amphoraID: String, version: HeartbeatVersion = .v3, listeners: [Listener] = []) {
        self.amphoraID = amphoraID
        self.version = version
        self.listeners = listeners
    }
}
