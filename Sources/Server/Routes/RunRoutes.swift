import ArgumentParser
import Controller
import Foundation
import Hummingbird

/// `/v1/runs...`: start, list, read, stop and abort runs, and read their results. Handlers
/// decode, call one Controller or `RunManager` call, and encode.
struct RunRoutes {
    let store: StateStore
    let runs: RunManager

    /// The keys of a start request.
    static let startKeys: Set<String> = ["config", "cloud", "label", "no_cleanup", "os_cloud", "rc_file", "tenants_file", "interactive"]

    func register(on router: Router<ServerContext>) {
        router.post("/v1/runs") { request, context -> Response in
            let body = try await JSONBody.read(request, context: context, keys: Self.startKeys)
            let runRequest = try Self.runRequest(body)
            let interactive = try body.bool("interactive") ?? false
            let id: String
            do {
                id = try await runs.start(runRequest, interactive: interactive)
            } catch let error as ValidationError {
                throw APIError.invalid(error.message, field: "config")
            }
            return try JSONReply.ok(["run_id": id, "events": "/v1/runs/\(id)/events", "run": "/v1/runs/\(id)"],
                                    status: .accepted, audit: "started \(id)")
        }
        router.get("/v1/runs") { _, _ -> Response in
            let records = try Ledger(store: store).runs()
            var list: [[String: Any]] = []
            for record in records { list.append(await view(record)) }
            return try JSONReply.ok(["runs": list])
        }
        router.get("/v1/runs/:id") { _, context -> Response in
            try JSONReply.ok(await view(try record(context)))
        }
        router.post("/v1/runs/:id/stop") { _, context -> Response in
            try await interrupt(context, reason: "stopped through the API", verb: "stopping")
        }
        router.post("/v1/runs/:id/abort") { _, context -> Response in
            try await interrupt(context, reason: "aborted through the API", verb: "aborting")
        }
        router.post("/v1/runs/:id/tests") { request, context -> Response in
            let record = try record(context)
            let body = try await JSONBody.read(request, context: context, keys: ["label"])
            let label = try body.string("label", maxLength: 200)
            return try await answer(record, .again(label: label), verb: "testing again")
        }
        router.post("/v1/runs/:id/finish") { _, context -> Response in
            try await answer(try record(context), .finish, verb: "finishing")
        }
        router.post("/v1/runs/:id/cleanup") { _, context -> Response in
            let record = try record(context)
            if await runs.live(record.id).map({ !$0.events.isFinished }) == true || CleanupCommand.otherLiveController(of: record) != nil {
                throw APIError(.conflict, "running", "run \(record.id) is still running: stop it (it cleans up itself), then clean up what is left", field: "id")
            }
            let ledger = Ledger(store: store)
            let resources = try ledger.liveResources(run: record.id)
            if resources.contains(where: { $0.cloud != ProcessResource.cloud && $0.cloud != QemuNetwork.cloud && $0.cloud != "octavia" }) {
                throw APIError(.conflict, "needs_credentials",
                               "run \(record.id) left resources on an OpenStack cloud: clean them with `kloudbuster cleanup --run \(record.id) --cloud openstack` and that cloud's credentials", field: "id")
            }
            let report = try await Cleaner(ledger: ledger, deleters: CleanupCommand.deleters(ledger: ledger)).clean(run: record.id)
            return try JSONReply.ok(["run_id": record.id, "clean": report.isClean, "lines": report.lines],
                                    audit: "cleaned \(record.id): \(report.lines.first ?? "")")
        }
        router.get("/v1/runs/:id/result") { _, context -> Response in
            let record = try record(context)
            guard let json = record.resultJSON else {
                throw APIError(.conflict, "not_ready", "run \(record.id) has no result yet (status \(record.status.rawValue))", field: "id")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        router.get("/v1/runs/:id/result.hlog") { _, context -> Response in
            try file(context, name: "result.hlog", type: "text/plain; charset=utf-8")
        }
        router.get("/v1/runs/:id/report.html") { _, context -> Response in
            try file(context, name: "report.html", type: "text/html; charset=utf-8")
        }
        router.get("/v1/runs/:id/events") { request, context -> Response in
            let record = try record(context)
            return try await EventStream.response(for: record, request: request, runs: runs, store: store)
        }
    }

    /// The request's run, from the state store; 400 for an id that is not one, 404 for one
    /// that is unknown.
    func record(_ context: ServerContext) throws -> RunRecord {
        let id = try Self.runID(context)
        guard let record = try Ledger(store: store).run(id: id) else {
            throw APIError.notFound("unknown run \(id) (GET /v1/runs lists them)", field: "id")
        }
        return record
    }

    /// The path's run id, checked for shape before it touches a file name.
    static func runID(_ context: ServerContext) throws -> String {
        let id = context.parameters.get("id") ?? ""
        guard RunID.isWellFormed(id) else {
            throw APIError.invalid("\"\(id.prefix(64))\" is not a run id (kb-YYYYMMDD-HHMM-xxxx)", field: "id")
        }
        return id
    }

    private func interrupt(_ context: ServerContext, reason: String, verb: String) async throws -> Response {
        let record = try record(context)
        guard await runs.stop(record.id, reason: reason) else {
            throw APIError(.conflict, "not_running",
                           "run \(record.id) is not running on this server (status \(record.status.rawValue))", field: "id")
        }
        return try JSONReply.ok(["run_id": record.id, "status": verb], status: .accepted, audit: "\(verb) \(record.id)")
    }

    private func answer(_ record: RunRecord, _ step: InteractiveStep, verb: String) async throws -> Response {
        switch await runs.answer(record.id, step) {
        case nil:
            throw APIError(.conflict, "not_interactive",
                           "run \(record.id) is not an interactive run running on this server (start one with \"interactive\": true)", field: "id")
        case false:
            throw APIError(.conflict, "busy", "run \(record.id) already has its next step queued; wait for its test_finished event", field: "id")
        case true:
            return try JSONReply.ok(["run_id": record.id, "status": verb], status: .accepted, audit: "\(verb) \(record.id)")
        }
    }

    private func file(_ context: ServerContext, name: String, type: String) throws -> Response {
        let record = try record(context)
        let url = store.directory.appendingPathComponent("runs").appendingPathComponent(record.id).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw APIError(.conflict, "not_ready", "run \(record.id) has no \(name) (status \(record.status.rawValue))", field: "id")
        }
        return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A run as the API shows it.
    func view(_ record: RunRecord) async -> [String: Any] {
        let format = ISO8601DateFormatter()
        var view: [String: Any] = [
            "id": record.id, "cloud": record.cloud, "status": record.effectiveStatus.rawValue,
            "started_at": format.string(from: record.startedAt), "live": await runs.live(record.id).map { !$0.events.isFinished } ?? false,
        ]
        if let label = record.label { view["label"] = label }
        if let ended = record.endedAt { view["ended_at"] = format.string(from: ended) }
        if let json = record.resultJSON, let document = try? JSONDecoder().decode(ResultDocument.self, from: Data(json.utf8)) {
            view["verdict"] = document.verdict.reasons.isEmpty ? "ok" : document.verdict.reasons as Any
            view["result_status"] = document.status
        }
        return view
    }

    /// The `RunRequest` a start body asks for.
    static func runRequest(_ body: JSONBody) throws -> RunRequest {
        let configuration: Configuration
        let text = try body.string("config") ?? ""
        do {
            configuration = try ConfigRoutes.load(text)
        } catch {
            let first = error.errors.first
            throw APIError.invalid("the configuration has errors:\n\(error)", field: first.map { "config.\($0.path)" } ?? "config")
        }
        // Parsed, not built: ArgumentParser's property wrappers hold values only after parsing.
        var arguments = ["--cloud", try ConfigRoutes.cloud(body).rawValue]
        for (key, option) in [("os_cloud", "--os-cloud"), ("rc_file", "--rc"), ("tenants_file", "--tenants-list")] {
            if let value = try body.string(key, maxLength: 4096) { arguments += [option, value] }
        }
        let cloud: CloudOptions
        do { cloud = try CloudOptions.parse(arguments) } catch {
            throw APIError.invalid(CloudOptions.message(for: error), field: "cloud")
        }
        var request = RunRequest(configuration: configuration, cloud: cloud)
        request.label = try body.string("label", maxLength: 200)
        request.noCleanup = try body.bool("no_cleanup") ?? false
        // Files the server writes come from its own state folder: a request names none.
        return request
    }
}
