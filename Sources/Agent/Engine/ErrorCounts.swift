/// Failed requests by kind, as the engine tells them apart.
public struct ErrorCounts: Sendable, Equatable {
    /// connect() refused, unreachable, failed or timed out; TLS handshake failures.
    public var connect: UInt64 = 0
    /// recv() failed, or the peer closed before the response was complete.
    public var read: UInt64 = 0
    /// send() failed.
    public var write: UInt64 = 0
    /// No complete response within the request timeout.
    public var timeout: UInt64 = 0
    /// A complete response whose status is not 2xx or 3xx.
    public var status: UInt64 = 0
    /// A response that is not valid HTTP/1.x.
    public var parse: UInt64 = 0

    /// No errors.
    public init() {}

    /// Every count given explicitly.
    public init(connect: UInt64, read: UInt64, write: UInt64, timeout: UInt64, status: UInt64, parse: UInt64) {
        self.connect = connect
        self.read = read
        self.write = write
        self.timeout = timeout
        self.status = status
        self.parse = parse
    }

    /// The sum over all kinds.
    public var total: UInt64 { connect + read + write + timeout + status + parse }

    /// The kinds with their report names, in report order.
    public var named: [(name: String, count: UInt64)] {
        [("connect", connect), ("read", read), ("write", write),
         ("timeout", timeout), ("status", status), ("parse", parse)]
    }

    /// Counts since `earlier`, an earlier reading of the same cumulative counters.
    /// Saturates at zero: cumulative counters never go down, so a smaller value is a torn read.
    public func subtracting(_ earlier: ErrorCounts) -> ErrorCounts {
        ErrorCounts(
            connect: connect.saturatingMinus(earlier.connect), read: read.saturatingMinus(earlier.read),
            write: write.saturatingMinus(earlier.write), timeout: timeout.saturatingMinus(earlier.timeout),
            status: status.saturatingMinus(earlier.status), parse: parse.saturatingMinus(earlier.parse))
    }
}

extension UInt64 {
    /// `self - other`, or zero when `other` is larger.
    func saturatingMinus(_ other: UInt64) -> UInt64 { self >= other ? self - other : 0 }
}
