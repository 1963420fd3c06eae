import Foundation
import GRDB

/// Where a run is in its life. Stored as text in `run.status`.
public enum RunStatus: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Creating resources in the cloud.
    case staging
    /// Agents are loading their servers.
    case running
    /// Deleting the run's resources.
    case cleaning
    /// Ended and cleaned up.
    case done
    /// Ended with an error, or cleanup left resources behind.
    case failed
    /// Stopped before its end (a signal, or a controller that died and was cleaned up later).
    case interrupted

    /// True while a controller should be working on the run.
    public var isActive: Bool {
        switch self {
        case .staging, .running, .cleaning: return true
        case .done, .failed, .interrupted: return false
        }
    }
}

/// One row of the `run` table: a test run, from staging to cleanup.
public struct RunRecord: Codable, Sendable, Equatable, Identifiable, FetchableRecord, PersistableRecord {
    /// The table name.
    public static let databaseTableName = "run"

    /// The run id, e.g. `kb-20261122-0836-ab12`; short, because it goes into every resource name.
    public var id: String
    /// The user's label for the run, if any.
    public var label: String?
    /// The cloud driver the run used: `local` or `openstack`.
    public var cloud: String
    /// The effective configuration (YAML) the run was started with.
    public var configYAML: String
    /// Where the run is in its life.
    public var status: RunStatus
    /// When the run was created.
    public var startedAt: Date
    /// When the run ended (status done, failed or interrupted), if it has.
    public var endedAt: Date?
    /// The result document (JSON), once written.
    public var resultJSON: String?
    /// The controller process that owns the run.
    public var controllerPID: Int32
    /// That process's start time (`/proc/<pid>/stat` field 22), to tell it from a recycled pid.
    public var controllerStartTime: Int64?

    /// The controller that owns the run, if it is still alive.
    public var liveController: ProcessIdentity? {
        guard let start = controllerStartTime else { return nil }
        let owner = ProcessIdentity(pid: controllerPID, startTime: start)
        return owner.isAlive ? owner : nil
    }

    /// The status a reader should be shown: a run left `staging`, `running` or `cleaning` by a
    /// controller that no longer exists was interrupted, whatever its row says.
    public var effectiveStatus: RunStatus {
        status.isActive && liveController == nil ? .interrupted : status
    }

    enum CodingKeys: String, CodingKey {
        case id, label, cloud, status
        case configYAML = "config_yaml"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case resultJSON = "result_json"
        case controllerPID = "controller_pid"
        case controllerStartTime = "controller_start_time"
    }

    /// The columns, for queries.
    public enum Columns {
        /// `id`.
        public static let id = Column(CodingKeys.id)
        /// `status`.
        public static let status = Column(CodingKeys.status)
        /// `startedAt`.
        public static let startedAt = Column(CodingKeys.startedAt)
        /// `endedAt`.
        public static let endedAt = Column(CodingKeys.endedAt)
        /// `resultJSON`.
        public static let resultJSON = Column(CodingKeys.resultJSON)
    }
}
