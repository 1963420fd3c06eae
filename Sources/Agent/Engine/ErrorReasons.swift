import CHttpGen

/// Why requests failed, by kind, in words: the first error of each kind the engine saw, as wrk
/// users expect next to a count ("connect errors: 30 (connection refused)").
///
/// The engine keeps an errno, or one of its own reasons, or OpenSSL's text, per kind and thread;
/// `init(reasons:details:statusCodes:)` turns them into words in one place.
public struct ErrorReasons: Sendable, Equatable {
    /// Why connects or TLS handshakes failed, e.g. "connection refused".
    public var connect: String?
    /// Why receiving failed, e.g. "connection reset by peer".
    public var read: String?
    /// Why sending failed, e.g. "broken pipe".
    public var write: String?
    /// Why requests timed out.
    public var timeout: String?
    /// Which status the failed responses had, e.g. "status 503".
    public var status: String?
    /// What was wrong with the responses that did not parse.
    public var parse: String?

    /// No reasons.
    public init() {}

    /// The kinds with their report names, in report order (as `ErrorCounts.named`).
    public var named: [(name: String, reason: String?)] {
        [("connect", connect), ("read", read), ("write", write),
         ("timeout", timeout), ("status", status), ("parse", parse)]
    }

    /// The reason for the kind named `name` (a name of `ErrorCounts.named`).
    public func reason(named name: String) -> String? {
        named.first { $0.name == name }?.reason
    }

    /// Reasons from the engine: per `hg_error_kind`, an errno (positive) or an `hg_reason`
    /// (negative) with its detail text; the status reason comes from the status codes.
    init(reasons: [Int32], details: [String], statusCodes: [Int: UInt64]) {
        func words(_ kind: Int) -> String? {
            guard kind < reasons.count else { return nil }
            return ErrorReasons.describe(reasons[kind], detail: kind < details.count ? details[kind] : "",
                                         handshake: kind == Int(HG_ERR_CONNECT.rawValue))
        }
        connect = words(Int(HG_ERR_CONNECT.rawValue))
        read = words(Int(HG_ERR_READ.rawValue))
        write = words(Int(HG_ERR_WRITE.rawValue))
        timeout = words(Int(HG_ERR_TIMEOUT.rawValue))
        parse = words(Int(HG_ERR_PARSE.rawValue))
        status = ErrorReasons.statusReason(statusCodes)
    }

    /// One reason in words; nil for none.
    static func describe(_ reason: Int32, detail: String, handshake: Bool) -> String? {
        switch reason {
        case Int32(HG_REASON_NONE.rawValue):
            return nil
        case 1...:
            return SystemError.text(reason)
        case Int32(HG_REASON_CLOSED.rawValue):
            return handshake ? "the connection closed while connecting"
                : "the server closed the connection before the response was complete"
        case Int32(HG_REASON_TLS.rawValue):
            return (handshake ? "TLS handshake failed: " : "TLS: ") + (detail.isEmpty ? "unknown error" : detail)
        case Int32(HG_REASON_TIMEOUT.rawValue):
            return "no complete response within the timeout"
        case Int32(HG_REASON_INVALID.rawValue):
            return "the response is not valid HTTP/1.x"
        case Int32(HG_REASON_UNSOLICITED.rawValue):
            return "the server sent bytes with no request outstanding"
        default:
            return "engine reason \(reason)"
        }
    }

    /// The most frequent failing status, e.g. "status 503" ("status 503 and others" when more
    /// than one failed); nil when every response was 2xx or 3xx.
    static func statusReason(_ statusCodes: [Int: UInt64]) -> String? {
        let failing = statusCodes.filter { !(200..<400).contains($0.key) && $0.value > 0 }
        guard let top = failing.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else { return nil }
        let code = top.key == 0 ? "outside 100-599" : String(top.key)
        return "status \(code)" + (failing.count > 1 ? " and others" : "")
    }
}
