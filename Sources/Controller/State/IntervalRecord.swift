import Foundation
import GRDB

/// One row of the `interval` table: what all agents measured in one report interval of one
/// progression stage, stored as it arrives so a crashed run keeps what it measured.
public struct IntervalRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    /// The table name.
    public static let databaseTableName = "interval"

    /// The run.
    public var runID: String
    /// The progression stage (0 when the run has no progression).
    public var stage: Int
    /// The interval's index within the stage, from 0.
    public var index: Int
    /// When the interval started, in nanoseconds since the Unix epoch.
    public var startUnixNanoseconds: Int64
    /// How long it lasted, in nanoseconds.
    public var durationNanoseconds: Int64
    /// The merged counters (JSON, the shape the result's `intervals` use).
    public var summaryJSON: String
    /// The merged latency histogram in the HdrHistogram V2 compressed encoding, if any.
    public var histogram: Data?

    /// Creates a row.
    public init(
        runID: String, stage: Int, index: Int, startUnixNanoseconds: Int64, durationNanoseconds: Int64,
        summaryJSON: String, histogram: Data?
    ) {
        self.runID = runID
        self.stage = stage
        self.index = index
        self.startUnixNanoseconds = startUnixNanoseconds
        self.durationNanoseconds = durationNanoseconds
        self.summaryJSON = summaryJSON
        self.histogram = histogram
    }

    enum CodingKeys: String, CodingKey {
        case stage, histogram
        case runID = "run_id"
        case index = "idx"
        case startUnixNanoseconds = "start_unix_ns"
        case durationNanoseconds = "duration_ns"
        case summaryJSON = "summary_json"
    }
}
