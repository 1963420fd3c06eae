import Foundation
import GRDB

/// The ledger row id of a resource.
public struct ResourceID: RawRepresentable, Hashable, Comparable, Codable, Sendable,
    CustomStringConvertible, DatabaseValueConvertible
{
    /// The SQLite row id.
    public let rawValue: Int64
    /// Wraps a row id.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// `#12`.
    public var description: String { "#\(rawValue)" }
    /// Older (smaller) ids first.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a resource is. An open set: each cloud driver adds the kinds it creates, and the
/// cleaner finds the deleter for a row by this value.
public struct ResourceKind: RawRepresentable, Hashable, Codable, Sendable, CustomStringConvertible,
    ExpressibleByStringLiteral, DatabaseValueConvertible
{
    /// The stored text, e.g. `process`.
    public let rawValue: String
    /// Wraps a kind name.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// For literals such as `"router"`.
    public init(stringLiteral value: String) { self.rawValue = value }
    /// The kind name.
    public var description: String { rawValue }

    /// A local process (an agent or nginx) of the local cloud.
    public static let process: ResourceKind = "process"
    /// An OpenStack project (KloudBuster's "tenant").
    public static let tenant: ResourceKind = "tenant"
    /// An OpenStack user.
    public static let user: ResourceKind = "user"
    /// A Neutron router.
    public static let router: ResourceKind = "router"
    /// A Neutron network.
    public static let network: ResourceKind = "network"
    /// A Neutron subnet.
    public static let subnet: ResourceKind = "subnet"
    /// A Neutron port (only the cleanup sweep deletes ports by themselves).
    public static let port: ResourceKind = "port"
    /// A Neutron security group.
    public static let securityGroup: ResourceKind = "security_group"
    /// A Nova keypair.
    public static let keypair: ResourceKind = "keypair"
    /// A Nova server. (The local cloud records its agents as `process`.)
    public static let vm: ResourceKind = "vm"
    /// A Neutron floating IP.
    public static let floatingIP: ResourceKind = "floating_ip"
    /// A subnet's interface on a router (external id `<router>/<subnet>`).
    public static let routerInterface: ResourceKind = "router_interface"
    /// A Nova flavor the run created because none fitted.
    public static let flavor: ResourceKind = "flavor"
}

/// Where a resource is in its life. Every state but `deleted` means it may still exist.
public enum ResourceState: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Recorded, and the call that creates it has been or is being made: it may exist.
    case creating
    /// It exists.
    case created
    /// Its deletion has started.
    case deleting
    /// It is gone (deleted, found gone, or never created).
    case deleted
    /// Deleting it failed; `error` says why. Cleanup tries it again.
    case failedDelete = "failed_delete"

    /// The states whose resource may still exist and must be cleaned up.
    public static let live: [ResourceState] = [.creating, .created, .deleting, .failedDelete]
}

/// One row of the `resource` table: something a run created (or was about to create).
public struct ResourceRecord: Codable, Sendable, Equatable, Identifiable, FetchableRecord, PersistableRecord {
    /// The table name.
    public static let databaseTableName = "resource"

    /// The row id.
    public var id: ResourceID
    /// The run that created it.
    public var runID: String
    /// What it is.
    public var kind: ResourceKind
    /// Its name in the cloud; it carries the run id, so it can be found again by name.
    public var name: String
    /// The cloud it lives in (`local`, or the OpenStack cloud's name).
    public var cloud: String
    /// The resource that must outlive it (deleted after it), if any.
    public var parentID: ResourceID?
    /// The cloud's id for it (an OpenStack uuid), once known.
    public var externalID: String?
    /// For processes: the pid.
    public var pid: Int32?
    /// For processes: the start time (`/proc/<pid>/stat` field 22), to refuse a recycled pid.
    public var pidStartTime: Int64?
    /// The address it listens on or was given, if any.
    public var address: String?
    /// Where it is in its life.
    public var state: ResourceState
    /// The last error that concerned it (a failed deletion, a failed creation).
    public var error: String?
    /// When it was recorded.
    public var createdAt: Date
    /// When it was found or made gone.
    public var deletedAt: Date?

    /// The process identity recorded for it, when it is a process that was started.
    public var processIdentity: ProcessIdentity? {
        guard let pid, let pidStartTime else { return nil }
        return ProcessIdentity(pid: pid, startTime: pidStartTime)
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, name, cloud, pid, address, state, error
        case runID = "run_id"
        case parentID = "parent_id"
        case externalID = "external_id"
        case pidStartTime = "pid_start_time"
        case createdAt = "created_at"
        case deletedAt = "deleted_at"
    }

    /// The columns, for queries.
    public enum Columns {
        /// `id`.
        public static let id = Column(CodingKeys.id)
        /// `runID`.
        public static let runID = Column(CodingKeys.runID)
        /// `parentID`.
        public static let parentID = Column(CodingKeys.parentID)
        /// `state`.
        public static let state = Column(CodingKeys.state)
    }
}
