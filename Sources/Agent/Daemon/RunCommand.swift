import ArgumentParser
import Logging
import Proto
import ServiceLifecycle

/// `kb-agent run --userdata FILE`: join a controller and play the role it staged this agent
/// for, until it says Abort (docs/run-protocol.md).
public struct RunCommand: AsyncParsableCommand {
    /// The command's name, summary and exit statuses.
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Join a KloudBuster controller and serve or load HTTP as it commands.",
        discussion: """
            The user data (one JSON object, written by the controller or by cloud-init) says which run, which agent, which role and address, where the controller is and the CURVE keys. Every value can also be given, or overridden, with its option.

            SIGTERM or SIGINT stops the load, sends the final report and exits.

            Exit status: 0 after Abort or a signal, 2 for bad user data or options, 1 when the controller never welcomed the agent or the link failed.
            """)

    /// The JSON file.
    @Option(help: ArgumentHelp("The user data JSON file (it holds a secret key: keep it 0600).", valueName: "file"))
    public var userdata: String?
    /// Overrides `run_id`.
    @Option(help: "The run id (user data run_id).") public var runId: String?
    /// Overrides `agent_id`.
    @Option(help: "This agent's id (user data agent_id).") public var agentId: String?
    /// Overrides `role`.
    @Option(help: "http-server or http-client (user data role).") public var role: String?
    /// Overrides `address`.
    @Option(help: "The address to serve on or send from (user data address).") public var address: String?
    /// Overrides `controller.pub_endpoint`.
    @Option(help: "The controller's PUB endpoint (user data controller.pub_endpoint).") public var pubEndpoint: String?
    /// Overrides `controller.router_endpoint`.
    @Option(help: "The controller's ROUTER endpoint (user data controller.router_endpoint).") public var routerEndpoint: String?
    /// Overrides `controller.server_public_key`.
    @Option(help: "The controller's CURVE public key, Z85 (user data controller.server_public_key).") public var serverPublicKey: String?
    /// Overrides `keys.public`.
    @Option(help: "This agent's CURVE public key, Z85 (user data keys.public).") public var publicKey: String?
    /// Overrides `keys.secret`.
    @Option(help: "This agent's CURVE secret key, Z85 (user data keys.secret); visible to ps, prefer the file.") public var secretKey: String?
    /// Overrides `work_dir`.
    @Option(help: "Folder for the agent's files (user data work_dir).") public var workDir: String?
    /// How long to wait for the Welcome.
    @Option(help: "Give up (exit 1) without a Welcome after this long.")
    public var joinTimeout = DurationValue(.seconds(60))
    /// The watchdog's bound.
    @Option(help: "Once joined, stop everything this agent started and exit when the controller has been silent this long (at least 30s; the controller sends a beacon every second).")
    public var controllerSilence = DurationValue(.seconds(30))

    /// For ArgumentParser.
    public init() {}

    /// Rejects bad user data before anything starts: one line, exit status 2.
    public func validate() throws {
        _ = try userData()
        guard joinTimeout.microseconds > 0 else {
            throw ValidationError("--join-timeout: must be greater than zero (got \"\(joinTimeout)\"); give a time like 60s")
        }
        guard controllerSilence.duration >= .seconds(30) else {
            throw ValidationError("--controller-silence: must be at least 30s (got \"\(controllerSilence)\"): a controller busy merging or cleaning may be quiet for a few seconds")
        }
    }

    /// The user data from the file and the options, checked.
    public func userData() throws -> UserData {
        var overrides = UserData.Fields()
        overrides.runID = runId
        overrides.agentID = agentId
        overrides.role = role
        overrides.address = address
        overrides.workDir = workDir
        overrides.controller = .init(pubEndpoint: pubEndpoint, routerEndpoint: routerEndpoint, serverPublicKey: serverPublicKey)
        overrides.keys = .init(publicKey: publicKey, secretKey: secretKey)
        do {
            let base = try userdata.map { path throws(UserDataError) in try UserData.fields(file: path) } ?? UserData.Fields()
            return try UserData(base.overridden(by: overrides), source: userdata ?? "options")
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// Connects and runs the daemon in one `ServiceGroup` until Abort or SIGTERM/SIGINT.
    public func run() async throws {
        let userData = try userData()
        var logger = Logger(label: "kb-agent") { StreamLogHandler.standardError(label: $0) }
        logger[metadataKey: "agent"] = "\(userData.agentID)"
        let link = try AgentLink(
            pubEndpoint: userData.pubEndpoint, routerEndpoint: userData.routerEndpoint,
            serverPublicKey: userData.serverPublicKey, clientKeys: userData.keys,
            identity: Array(userData.agentID.utf8), topics: userData.topics)
        var options = AgentDaemon.Options()
        options.joinTimeout = joinTimeout.duration
        options.controllerSilenceLimit = controllerSilence.duration
        let daemon = AgentDaemon(userData: userData, link: link, options: options, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: AgentLinkService(link: link)),
                // Abort makes the daemon return: the link then closes gracefully, after the
                // last frames are queued.
                .init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
