/// One listener's counters in a heartbeat, under Octavia's keys: absolute values for versions
/// 1 and 2, deltas since the previous heartbeat for version 3.
public struct ListenerStats: Sendable, Equatable {
    /// Bytes sent (`tx`).
    public var tx: UInt64
    /// Bytes received (`rx`).
    public var rx: UInt64
    /// Connections open now (`conns`).
    public var conns: UInt64
    /// Connections accepted (`totconns`).
    public var totconns: UInt64
    /// Request errors (`ereq`).
    public var ereq: UInt64

    /// Creates counters; all zero by default, which is what an idle ghost listener reports.
    public init(tx: UInt64 = 0, rx: UInt64 = 0, conns: UInt64 = 0, totconns: UInt64 = 0, ereq: UInt64 = 0) {
        self.tx = tx
        self.rx = rx
        self.conns = conns
        self.totconns = totconns
        self.ereq = ereq
    }
}
