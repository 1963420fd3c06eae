import Controller
import Foundation
import Synchronization
import HTTPTypes
import Hummingbird

/// `GET /v1/runs/{id}/events`: a run's events as server-sent events, `id:` numbered from 1.
/// A client that reconnects with `Last-Event-ID: N` (browsers do so by themselves), or
/// `?last_event_id=N`, gets the events after N and then the live ones, so a reload loses
/// nothing and repeats nothing. The stream ends after the `finished` event.
enum EventStream {
    /// How often a comment line keeps idle proxies from closing the stream.
    static let keepAlive: Duration = .seconds(15)

    static func response(for record: RunRecord, request: Request, runs: RunManager, store: StateStore) async throws -> Response {
        let lastID = try lastEventID(request)
        let log: RunEventLog
        let follower: LedgerFollower?
        if let live = await runs.live(record.id) {
            log = live.events
            follower = nil
        } else {
            log = RunEventLog()
            follower = LedgerFollower(runID: record.id, store: store, log: log)
            try follower?.catchUp()
        }
        let events = log.subscribe(after: lastID)
        let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // The first bytes go out at once: a client knows the stream is open.
            try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                let (lines, sink) = AsyncStream<String>.makeStream()
                group.addTask {
                    for await event in events { sink.yield(format(event)) }
                    sink.finish()
                }
                if let follower {
                    group.addTask { await follower.follow() }
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: keepAlive)
                        sink.yield(": keep-alive\n\n")
                    }
                }
                for await line in lines { try await writer.write(ByteBuffer(string: line)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }

    /// One event in the SSE wire format.
    static func format(_ event: RunEventLog.Event) -> String {
        // Data is one line of JSON: no newline can break the framing.
        "id: \(event.id)\nevent: \(event.name)\ndata: \(event.data)\n\n"
    }

    /// The last event the client has, 0 for none.
    static func lastEventID(_ request: Request) throws -> Int {
        // Both are checked: a bad value is an error wherever it is. The header wins (browsers
        // set it on reconnect, over whatever URL the page built).
        let header = try parse(request.headers[HTTPField.Name("Last-Event-ID")!], field: "Last-Event-ID")
        let query = try parse(request.uri.queryParameters["last_event_id"].map(String.init), field: "last_event_id")
        return header ?? query ?? 0
    }

    /// The largest event id accepted (JSON's exact integers).
    static let maxEventID = 9_007_199_254_740_991

    private static func parse(_ text: String?, field: String) throws -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard let id = Int(text), (0...maxEventID).contains(id) else {
            throw APIError.invalid("\(field) must be a whole number from 0 to \(maxEventID) (got \"\(text.prefix(32))\")", field: field)
        }
        return id
    }
}

/// The events of a run this server did not start (the CLI's, or an earlier server's), from
/// the state store: its intervals as they are stored, then `finished` once it has ended (or
/// its controller is gone). Numbered in the store's order, so a resumed stream lines up.
final class LedgerFollower: Sendable {
    let runID: String
    let store: StateStore
    let log: RunEventLog
    private let sent = Mutex(0)

    init(runID: String, store: StateStore, log: RunEventLog) {
        self.runID = runID
        self.store = store
        self.log = log
    }

    /// Appends what is stored and not yet sent; ends the log when the run has ended.
    func catchUp() throws {
        let ledger = Ledger(store: store)
        guard let record = try ledger.run(id: runID) else { return log.finish() }
        let intervals = try ledger.intervals(run: runID)
        let already = sent.withLock { count in
            defer { count = max(count, intervals.count) }
            return count
        }
        for interval in intervals.dropFirst(already) { log.append(name: "interval", data: interval.summaryJSON) }
        let status = record.effectiveStatus
        guard !status.isActive else { return }
        let document = record.resultJSON.flatMap { try? JSONDecoder().decode(ResultDocument.self, from: Data($0.utf8)) }
        log.append(.finished(
            status: document?.status ?? status.rawValue,
            verdict: document?.verdict ?? .reasons(["the run ended without a result (its controller is gone): `kloudbuster cleanup`"])))
    }

    /// Polls the store once a second until the run ends.
    func follow() async {
        while !log.isFinished {
            try? await Task.sleep(for: .seconds(1))
            if Task.isCancelled { return }
            do { try catchUp() } catch { return log.finish() }
        }
    }
}
