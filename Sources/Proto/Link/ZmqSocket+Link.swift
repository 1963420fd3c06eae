import CZeroMQ

/// The socket options every link socket shares, chosen once here so that the controller and
/// the agent cannot drift apart.
extension ZmqSocket {
    /// How long a closing socket may keep trying to deliver queued messages. Short, because
    /// DESIGN.md §4 re-sends what is not acknowledged, and `close()` must be prompt.
    static let lingerMilliseconds: Int32 = 100
    /// The largest message a link accepts. Reports with histograms are well under a megabyte;
    /// the bound stops a confused or hostile peer from making us allocate without limit.
    static let maxMessageBytes: Int64 = 64 << 20

    /// Linger, reconnect back-off and ZMTP heartbeats. Heartbeats matter because agents sit
    /// behind NAT and floating IPs: a silently dropped connection is only noticed (and redialled)
    /// if something is sent on it.
    ///
    /// `heartbeats: false` leaves ZMTP heartbeats to the peer (it still answers PINGs):
    /// libzmq 4.3 keeps every connection's heartbeat timers in one map per I/O thread and
    /// cancels them by scanning it, once per received message, which costs O(connections) per
    /// frame in a process holding thousands (the controller, a swarm). The controller needs no
    /// heartbeat of its own: an agent silent for three report intervals is declared lost.
    func applyLinkDefaults(heartbeats: Bool = true) throws {
        try set(ZMQ_LINGER, Self.lingerMilliseconds, "ZMQ_LINGER")
        try set(ZMQ_MAXMSGSIZE, int64: Self.maxMessageBytes, "ZMQ_MAXMSGSIZE")
        try set(ZMQ_RECONNECT_IVL, 100, "ZMQ_RECONNECT_IVL")
        // Back off to 2 s so an agent whose key is refused does not hammer the controller.
        try set(ZMQ_RECONNECT_IVL_MAX, 2_000, "ZMQ_RECONNECT_IVL_MAX")
        guard heartbeats else { return }
        try set(ZMQ_HEARTBEAT_IVL, 5_000, "ZMQ_HEARTBEAT_IVL")
        try set(ZMQ_HEARTBEAT_TIMEOUT, 15_000, "ZMQ_HEARTBEAT_TIMEOUT")
    }

    /// Makes this a CURVE server whose every handshake is put to the ZAP handler: libzmq only
    /// consults ZAP for sockets with a ZAP domain.
    func applyCurveServer(_ keys: CurveKeyPair, zapDomain: String) throws {
        try set(ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER")
        try set(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8), "ZMQ_CURVE_SECRETKEY")
        try set(ZMQ_ZAP_DOMAIN, bytes: Array(zapDomain.utf8), "ZMQ_ZAP_DOMAIN")
    }

    /// Makes this a CURVE client of the server with `serverPublicKey`.
    func applyCurveClient(_ keys: CurveKeyPair, serverPublicKey: String) throws {
        try set(ZMQ_CURVE_SERVERKEY, bytes: Array(serverPublicKey.utf8), "ZMQ_CURVE_SERVERKEY")
        try set(ZMQ_CURVE_PUBLICKEY, bytes: Array(keys.publicKey.utf8), "ZMQ_CURVE_PUBLICKEY")
        try set(ZMQ_CURVE_SECRETKEY, bytes: Array(keys.secretKey.utf8), "ZMQ_CURVE_SECRETKEY")
    }

    /// Binds to `host` on `port` (0: any free port) and returns the endpoint peers dial.
    func bind(host: String, port: Int) throws -> (endpoint: String, port: Int) {
        guard (0...65_535).contains(port) else {
            throw LinkError.invalid("bind \(name)", "port \(port) is outside 0...65535 (0 picks a free port)")
        }
        let isIPv6 = host.contains(":")
        if isIPv6 { try set(ZMQ_IPV6, 1, "ZMQ_IPV6") }
        let hostPart = isIPv6 ? "[\(host)]" : host
        try bind("tcp://\(hostPart):\(port == 0 ? "*" : String(port))")
        let endpoint = try lastEndpoint()
        guard let colon = endpoint.lastIndex(of: ":"), let bound = Int(endpoint[endpoint.index(after: colon)...]) else {
            throw LinkError.invalid("bind \(name)", "libzmq reported endpoint \(endpoint) without a port")
        }
        return (endpoint, bound)
    }
}
