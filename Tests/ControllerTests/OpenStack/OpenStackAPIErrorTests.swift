@testable import Controller
import Foundation
import Testing

@Suite("OpenStack API errors: classified, with the service's message and what to do")
struct OpenStackAPIErrorTests {
    @Test("statuses and quota messages map to the kinds callers react to", arguments: [
        (400, "Invalid input", OpenStackAPIError.Kind.badRequest),
        (401, "The request you have made requires authentication.", .unauthorized),
        (403, "Policy doesn't allow os_compute_api:os-flavor-manage:create", .forbidden),
        (403, "Quota exceeded for cores: Requested 4, but already used 20 of 20 cores", .quotaExceeded),
        (404, "Network x could not be found.", .notFound),
        (409, "Unable to complete operation on network x. There are one or more ports still in use.", .conflict),
        (409, "Quota exceeded for resources: ['router'].", .quotaExceeded),
        (413, "Maximum number of ports exceeded", .quotaExceeded),
        (503, "Service Unavailable", .serverError),
    ] as [(Int, String, OpenStackAPIError.Kind)])
    func kinds(status: Int, message: String, kind: OpenStackAPIError.Kind) {
        #expect(OpenStackAPIError.kind(status: status, message: message) == kind)
    }

    @Test("the message comes out of each service's error body")
    func messages() {
        let bodies: [(String, String)] = [
            (#"{"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['network'].", "detail": ""}}"#, "Quota exceeded for resources: ['network']."),
            (#"{"badRequest": {"code": 400, "message": "Invalid flavorRef provided."}}"#, "Invalid flavorRef provided."),
            (#"{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}"#, "The request you have made requires authentication."),
            ("<html><body><h1>503 Service Unavailable</h1>\nNo server is available.</body></html>", "503 Service Unavailable No server is available."),
        ]
        for (body, expected) in bodies {
            #expect(OpenStackAPIError.message(fromBody: Data(body.utf8)) == expected)
        }
    }

    @Test("printed, an error says which call on which resource, the status, the service's words and a remedy")
    func description() {
        let error = OpenStackAPIError(
            operation: "create network kb-20261122-0836-ab12-s0-r0-n0", request: "POST http://127.0.0.1:9696/v2.0/networks",
            status: 409, kind: .quotaExceeded, detail: "Quota exceeded for resources: ['network'].")
        let text = error.description
        #expect(text.contains("create network kb-20261122-0836-ab12-s0-r0-n0"))
        #expect(text.contains("POST http://127.0.0.1:9696/v2.0/networks"))
        #expect(text.contains("409 Conflict"))
        #expect(text.contains("Quota exceeded"))
        #expect(text.contains("raise it"))
        #expect(!OpenStackAPIError(operation: "x", request: "y", status: 400, kind: .badRequest, detail: "").isRetryable)
        #expect(OpenStackAPIError(operation: "x", request: "y", status: 503, kind: .serverError, detail: "").isRetryable)
    }

    @Test("Keystone's microsecond expiry times parse")
    func expiry() throws {
        let date = try #require(KeystoneToken.parseDate("2026-11-22T10:00:00.000000Z"))
        #expect(date.timeIntervalSince1970 == 1_795_341_600)
    }
}
