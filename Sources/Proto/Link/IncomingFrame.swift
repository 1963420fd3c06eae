/// A frame an agent sent to the controller, as the controller's ROUTER received it.
public struct IncomingFrame: Sendable, Equatable {
    /// The agent's ROUTER routing identity (the `identity` it gave `AgentLink`); pass it to
    /// `ControllerLink.send(to:payload:)` to answer this agent.
    public let identity: [UInt8]
    /// The Z85 CURVE public key the agent authenticated with, as the ZAP handler vouched for
    /// it. Routing identities are chosen by the peer, so this, not `identity`, is what proves
    /// who sent the frame.
    public let publicKey: String?
    /// The bytes, unchanged; the link never parses them.
    public let payload: [UInt8]

    /// Creates a frame (the link makes these; tests and fakes may too).
    public init(identity: [UInt8], publicKey: String?, payload: [UInt8]) {
        self.identity = identity
        self.publicKey = publicKey
        self.payload = payload
    }
}
