/// The ZAP 1.0 (ZeroMQ RFC 27) decision for CURVE, as value code: frames in, frames out.
///
/// libzmq asks the handler bound at `inproc://zeromq.zap.01` about every CURVE handshake on a
/// socket with a ZAP domain; the link's thread does the socket I/O and calls `reply`.
struct ZapHandler {
    /// The inproc endpoint libzmq sends ZAP requests to (fixed by RFC 27).
    static let endpoint = "inproc://zeromq.zap.01"

    /// What to send back and whether the peer got in.
    struct Reply: Equatable {
        /// The reply, starting with the requester's routing id and the empty delimiter a
        /// REQ-style peer expects on a ROUTER.
        var frames: [[UInt8]]
        /// True for status 200 only.
        var allowed: Bool
    }

    /// Answers a ZAP request as received on a ROUTER: `[routing id, "", "1.0", request id,
    /// domain, address, identity, mechanism, credentials...]`. A CURVE client whose 32-byte
    /// public key `isAdmitted` (as Z85) gets 200 with that key as user id, so every message from
    /// it carries `User-Id`; anything else gets 400 (denied) or 500 (not a request we
    /// understand). Returns nil when the request is too short to carry a routing envelope, so
    /// there is no one to answer.
    static func reply(to request: [[UInt8]], isAdmitted: (String) -> Bool) -> Reply? {
        guard request.count >= 4, request[1].isEmpty else { return nil }
        let envelope = Array(request[0..<2])
        let requestId = request[3]
        func answer(_ status: String, _ text: String, userId: String = "") -> Reply {
            let body: [[UInt8]] = [Array("1.0".utf8), requestId, Array(status.utf8), Array(text.utf8), Array(userId.utf8), []]
            return Reply(frames: envelope + body, allowed: status == "200")
        }
        // RFC 27: version, request id, domain, address, identity, mechanism, then credentials.
        guard request.count >= 8, request[2] == Array("1.0".utf8) else {
            return answer("500", "malformed ZAP request")
        }
        guard request[7] == Array("CURVE".utf8) else {
            return answer("400", "only CURVE is accepted")
        }
        guard request.count == 9, request[8].count == 32 else {
            return answer("500", "CURVE credentials must be one 32-byte public key")
        }
        let publicKey = Z85.encode(request[8])
        guard isAdmitted(publicKey) else {
            return answer("400", "client public key not admitted")
        }
        return answer("200", "OK", userId: publicKey)
    }
}
