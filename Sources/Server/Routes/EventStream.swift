import Controller
import Foundation
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
        if let live = await runs.live(record.id) {
            log = live.events
        } else {
            log = try replay(record, store: store)
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
        let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["last_event_id"].map(String.init)
        guard let text, !text.isEmpty else { return 0 }
        guard let id = Int(text), id >= 0 else {
            throw APIError.invalid("Last-Event-ID must be a whole number of 0 or more (got \"\(text.prefix(32))\")", field: "Last-Event-ID")
        }
        return id
    }

    /// The events of a run this server did not start (an earlier server's, or the CLI's),
    /// rebuilt from the state store: its intervals, then `finished` if it has ended.
    static func replay(_ record: RunRecord, store: StateStore) throws -> RunEventLog {
        let log = RunEventLog()
        for interval in try Ledger(store: store).intervals(run: record.id) {
            log.append(name: "interval", data: interval.summaryJSON)
        }
        if !record.status.isActive {
            let document = record.resultJSON.flatMap { try? JSONDecoder().decode(ResultDocument.self, from: Data($0.utf8)) }
            log.append(.finished(status: document?.status ?? record.status.rawValue, verdict: document?.verdict ?? .reasons(["no result stored"])))
        }
        return log
    }
}
