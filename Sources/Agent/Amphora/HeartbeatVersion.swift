/// The `ver` of an amphora heartbeat, which decides where pools go and what stats mean.
///
/// Octavia's health manager reads pools from each listener below version 2 and from the
/// top-level `pools` object (keyed `"<pool_id>:<listener_id>"`) from version 2 on; from version 3
/// on it adds the listener statistics to what it has (deltas) instead of replacing them.
public enum HeartbeatVersion: Int, Sendable, CaseIterable {
    /// Pools inside each listener, keyed by pool id; absolute statistics.
    case v1 = 1
    /// Top-level pools keyed `"<pool_id>:<listener_id>"`; absolute statistics.
    case v2 = 2
    /// As version 2, but statistics are deltas since the previous heartbeat (today's amphorae).
    case v3 = 3
}
