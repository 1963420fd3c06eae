/// nginx's stub_status counters: what a server agent reports about its nginx.
public struct StubStatus: Sendable, Equatable {
    /// Open client connections, including waiting ones.
    public var active: UInt64
    /// Connections accepted since start.
    public var accepts: UInt64
    /// Connections handled since start (lower than accepts when a limit was hit).
    public var handled: UInt64
    /// Requests served since start.
    public var requests: UInt64
    /// Connections where nginx is reading the request header.
    public var reading: UInt64
    /// Connections where nginx is writing the response.
    public var writing: UInt64
    /// Idle keep-alive connections.
    public var waiting: UInt64

    /// Parses the stub_status page:
    /// ```
    /// Active connections: 291
    /// server accepts handled requests
    ///  16630948 16630948 31070465
    /// Reading: 6 Writing: 179 Waiting: 106
    /// ```
    /// Returns nil when the text is not such a page.
    public init?(parsing text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" })
        func number(after label: String) -> UInt64? {
            guard let index = words.firstIndex(where: { $0 == label }), index + 1 < words.count else { return nil }
            return UInt64(words[index + 1])
        }
        guard let active = number(after: "connections:"),
              let requestsLabel = words.firstIndex(of: "requests"), requestsLabel + 3 < words.count,
              let accepts = UInt64(words[requestsLabel + 1]),
              let handled = UInt64(words[requestsLabel + 2]),
              let requests = UInt64(words[requestsLabel + 3]),
              let reading = number(after: "Reading:"),
              let writing = number(after: "Writing:"),
              let waiting = number(after: "Waiting:")
        else { return nil }
        self.active = active
        self.accepts = accepts
        self.handled = handled
        self.requests = requests
        self.reading = reading
        self.writing = writing
        self.waiting = waiting
    }
}
