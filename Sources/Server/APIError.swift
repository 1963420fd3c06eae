import Foundation
import HTTPTypes
import Hummingbird

/// An error the API answers with: a status and `{"error": {"code", "message", "field"}}`.
/// Every 4xx names what was wrong and, where there is one, the field.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The status.
    public let status: HTTPResponse.Status
    /// A stable word for programs ("unauthorized", "forbidden", "invalid", "not_found", ...).
    public let code: String
    /// What was wrong and what to do.
    public let message: String
    /// The field (JSON key, configuration key path, path parameter), when one is to blame.
    public let field: String?
    /// The methods the path takes, for a 405.
    public let allow: String?

    /// An error.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, allow: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.allow = allow
    }

    /// No or an unknown token.
    public static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message)
    }

    /// A bad request naming `field`.
    public static func invalid(_ message: String, field: String? = nil) -> APIError {
        APIError(.badRequest, "invalid", message, field: field)
    }

    /// Something that does not exist.
    public static func notFound(_ message: String, field: String? = nil) -> APIError {
        APIError(.notFound, "not_found", message, field: field)
    }

    /// The JSON body.
    public var body: Data {
        var error: [String: String] = ["code": code, "message": message]
        if let field { error["field"] = field }
        return (try? JSONSerialization.data(withJSONObject: ["error": error], options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }

    /// The response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer realm=\"kloudbuster\"" }
        if let allow { headers[.allow] = allow }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
