import Foundation
import GRDB

/// What a bearer token of `kloudbuster serve` may do.
public enum APIRole: String, Codable, Sendable, CaseIterable, DatabaseValueConvertible {
    /// Reads: runs, results, events, metrics, validation.
    case viewer
    /// Also starts, stops and aborts runs and cleans up.
    case `operator`

    /// Whether the role includes everything `other` may do.
    public func includes(_ other: APIRole) -> Bool {
        self == .operator || other == .viewer
    }
}

/// A token of the server, as stored: never the secret itself, only its SHA-256.
public struct APIToken: Codable, Sendable, Equatable, Identifiable, FetchableRecord, PersistableRecord {
    /// The table.
    public static let databaseTableName = "api_token"

    /// A short id, shown in lists and in the audit table (`tok-xxxxxxxx`).
    public var id: String
    /// A name given at creation ("grafana", "ci").
    public var name: String
    /// What it may do.
    public var role: APIRole
    /// SHA-256 of the secret, lowercase hex.
    public var secretHash: String
    /// When it was created.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, role
        case secretHash = "secret_hash"
        case createdAt = "created_at"
        case revokedAt = "revoked_at"
    }
}

/// One state-changing request to the server: who, what, when, and how it ended.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    /// The table.
    public static let databaseTableName = "audit"

    /// When the request came.
    public var at: Date
    /// The token's id, or nil when none was valid.
    public var tokenID: String?
    /// The token's name.
    public var tokenName: String?
    /// The HTTP method.
    public var method: String
    /// The path, without the query.
    public var path: String
    /// The response status.
    public var status: Int
    /// What was done (the run id started or stopped, the error).
    public var detail: String?
    /// The client's address.
    public var remote: String?

    /// An entry.
    public init(at: Date = Date(), tokenID: String?, tokenName: String?, method: String, path: String, status: Int,
                detail: String?, remote: String?) {
        self.at = at
        self.tokenID = tokenID
        self.tokenName = tokenName
        self.method = method
        self.path = path
        self.status = status
        self.detail = detail
        self.remote = remote
    }

    enum CodingKeys: String, CodingKey {
        case at, method, path, status, detail, remote
        case tokenID = "token_id"
        case tokenName = "token_name"
    }
}
