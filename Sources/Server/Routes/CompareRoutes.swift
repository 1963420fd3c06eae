import Controller
import Foundation
import Hummingbird

/// `POST /v1/compare`: the HTML report of two or more stored runs overlaid, the first the
/// baseline (the report `kloudbuster report A B C` writes). A POST because it names a list;
/// it changes nothing, so a viewer may.
struct CompareRoutes {
    let store: StateStore

    /// How many runs one comparison overlays at most.
    static let maxRuns = 10

    func register(on router: Router<ServerContext>) {
        router.post("/v1/compare") { request, context -> Response in
            let body = try await JSONBody.read(request, context: context, keys: ["runs"])
            guard let ids = try body.strings("runs") else { throw APIError.invalid("runs is missing: give the run ids to compare, baseline first", field: "runs") }
            guard (2...Self.maxRuns).contains(ids.count) else {
                throw APIError.invalid("runs must list 2 to \(Self.maxRuns) run ids (got \(ids.count))", field: "runs")
            }
            let ledger = Ledger(store: store)
            var documents: [ResultDocument] = []
            for id in ids {
                guard RunID.isWellFormed(id) else { throw APIError.invalid("\"\(id.prefix(64))\" is not a run id (kb-YYYYMMDD-HHMM-xxxx)", field: "runs") }
                guard let record = try ledger.run(id: id) else { throw APIError.notFound("unknown run \(id) (GET /v1/runs lists them)", field: "runs") }
                guard let json = record.resultJSON, let document = try? JSONDecoder().decode(ResultDocument.self, from: Data(json.utf8)) else {
                    throw APIError(.conflict, "not_ready", "run \(id) has no result yet (status \(record.effectiveStatus.rawValue))", field: "runs")
                }
                documents.append(document)
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: HTMLReport(documents: documents).render())))
        }
    }
}
