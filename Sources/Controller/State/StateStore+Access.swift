import Foundation
import GRDB

extension StateStore {
    /// Creates a token for `role` named `name`; returns its record and the secret, which is
    /// shown once and never stored (only its SHA-256 is).
    public func createToken(role: APIRole, name: String) throws -> (token: APIToken, secret: String) {
        var generator = SystemRandomNumberGenerator()
        // 32 bytes from getrandom(2): guessing is out of reach, so a plain hash (no salt, no
        // stretching) is enough to keep a stolen database from yielding usable tokens.
        let secret = "kb_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let token = APIToken(
            id: "tok-" + String(secret.dropFirst(3).prefix(8)), name: name, role: role,
            secretHash: FileDigests.sha256(secret), createdAt: Date(), revokedAt: nil)
        try write { db in try token.insert(db) }
        return (token, secret)
    }

    /// The live token whose secret is `secret`, if any.
    public func token(secret: String) throws -> APIToken? {
        let hash = FileDigests.sha256(secret)
        return try read { db in
            try APIToken.filter(Column("secret_hash") == hash && Column("revoked_at") == nil).fetchOne(db)
        }
    }

    /// Every token, oldest first.
    public func tokens() throws -> [APIToken] {
        try read { db in try APIToken.order(Column("created_at")).fetchAll(db) }
    }

    /// Revokes the token `id`; false when there is no live token of that id.
    @discardableResult
    public func revokeToken(id: String) throws -> Bool {
        try write { db in
            try db.execute(literal: "UPDATE api_token SET revoked_at = \(Date()) WHERE id = \(id) AND revoked_at IS NULL")
            return db.changesCount > 0
        }
    }

    /// Appends `entry` to the audit table.
    public func audit(_ entry: AuditEntry) throws {
        try write { db in try entry.insert(db) }
    }

    /// The newest `limit` audit entries, newest first.
    public func auditEntries(limit: Int = 100) throws -> [AuditEntry] {
        try read { db in try AuditEntry.order(Column("at").desc).limit(limit).fetchAll(db) }
    }
}
