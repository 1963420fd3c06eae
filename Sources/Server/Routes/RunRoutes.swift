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
    static let startKeys: Set<String> = ["config", "cloud", "label", "no_cleanup", "openstack", "os_cloud", "rc_file", "tenants_file", "interactive"]
    /// The keys of a cleanup request: the credentials of the cloud the run left resources on.
    static let credentialKeys: Set<String> = ["openstack", "os_cloud", "rc_file"]

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
            } catch let error as OpenStackCredentialError {
                throw APIError.invalid(error.description, field: error.field ?? Self.credentialField(body))
            } catch let error as APIError {
                throw error
            } catch {
                // The cloud's preflight (an image, a port, a file the cloud needs): nothing ran.
                throw APIError(.unprocessableContent, "cannot_start", "the run cannot start: \(error)", field: "cloud")
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
        router.post("/v1/runs/:id/cleanup") { request, context -> Response in
            let record = try record(context)
            if await runs.live(record.id).map({ !$0.events.isFinished }) == true || CleanupCommand.otherLiveController(of: record) != nil {
                throw APIError(.conflict, "running", "run \(record.id) is still running: stop it (it cleans up itself), then clean up what is left", field: "id")
            }
            let ledger = Ledger(store: store)
            let resources = try ledger.liveResources(run: record.id)
            let body = try await JSONBody.readIfPresent(request, context: context, keys: Self.credentialKeys)
            let local: Set<String> = [ProcessResource.cloud, QemuNetwork.cloud, "octavia"]
            let openstack = Set(resources.map(\.cloud)).subtracting(local)
            // Read only when needed: a run with nothing on OpenStack is cleaned whatever the body says.
            let credentials = try body.flatMap { try Self.credentials($0, read: !openstack.isEmpty) }
            var deleters = CleanupCommand.deleters(ledger: ledger)
            if let credentials { deleters += OpenStackDeleter.all(sessions: [credentials.cloudName: OpenStackSession(credentials: credentials)]) }
            let clouds = openstack.subtracting([credentials?.cloudName].compactMap { $0 })
            if let cloud = clouds.sorted().first {
                throw APIError(.conflict, "needs_credentials",
                               "run \(record.id) left resources on the OpenStack cloud \"\(cloud)\": send that cloud's credentials in the body ({\"openstack\": {...}}, or os_cloud / rc_file naming the server's files), or run `kloudbuster cleanup --run \(record.id) --cloud openstack`",
                               field: "openstack")
            }
            let report = try await Cleaner(ledger: ledger, deleters: deleters).clean(run: record.id)
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

    /// The OpenStack credentials a body gives (`openstack`) or names on the server (`os_cloud`,
    /// `rc_file`), nil when none; one way at a time. Unless `read`, only their shape is checked.
    static func credentials(_ body: JSONBody, read: Bool = true) throws -> OpenStackCredentials? {
        let entry = try body.object("openstack")
        let osCloud = try body.string("os_cloud", maxLength: 4096), rcFile = try body.string("rc_file", maxLength: 4096)
        guard [entry != nil, osCloud != nil, rcFile != nil].filter({ $0 }).count <= 1 else {
            throw APIError.invalid("give one of openstack, os_cloud and rc_file, not several", field: entry != nil ? "openstack" : "os_cloud")
        }
        do {
            if let entry { try OpenStackCredentials.checkRequestShape(entry) }
            guard read else { return nil }
            if let entry { return try OpenStackCredentials.fromRequest(entry) }
            if osCloud == nil && rcFile == nil { return nil }
            return try CloudOptions.credentials(rcFile: rcFile, osCloud: osCloud)
        } catch let error as OpenStackCredentialError {
            throw APIError.invalid(error.description, field: error.field ?? credentialField(body))
        }
    }

    /// The key that named the credentials that failed: the server's own environment when none.
    static func credentialField(_ body: JSONBody) -> String {
        ["openstack", "os_cloud", "rc_file"].first { body.object[$0] != nil } ?? "cloud"
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
        if body.object["openstack"] != nil {
            guard cloud.cloud == .openstack else {
                throw APIError.invalid("openstack credentials need \"cloud\": \"openstack\"", field: "openstack")
            }
            request.openstackCredentials = try credentials(body)
        }
        request.label = try body.string("label", maxLength: 200)
        request.noCleanup = try body.bool("no_cleanup") ?? false
        // Files the server writes come from its own state folder: a request names none.
        return request
    }
}
