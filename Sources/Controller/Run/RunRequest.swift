/// Everything a run is assembled from, whoever asks for it: `kloudbuster run`'s options, or a
/// request to the server (`kloudbuster serve`).
public struct RunRequest: Sendable {
    /// The merged configuration.
    public var configuration: Configuration
    /// The cloud and its credentials.
    public var cloud: CloudOptions
    /// Free text stored with the run (else `result.label`).
    public var label: String?
    /// A copy of the JSON result (else `result.json_file`).
    public var jsonFile: String?
    /// A copy of the `.hlog` (else `result.hlog_file`).
    public var hlogFile: String?
    /// A copy of the HTML report (else `result.html_file`).
    public var htmlFile: String?
    /// Keep the run's resources at the end.
    public var noCleanup = false
    /// The kb-agent executable for the local cloud (default: $KB_AGENT_BINARY, else next to
    /// kloudbuster).
    public var agentBinary: String?
    /// Play the agents in `kb-agent swarm` processes with this many invented latencies per
    /// interval (`SwarmCloud`): measures the controller. Local cloud only.
    public var swarmSamples: Int?
    /// Credentials given with the request (the server's `"openstack"` key): used instead of
    /// `cloud`'s files and environment, never stored.
    public var openstackCredentials: OpenStackCredentials?
    /// KloudBuster's rack topology file (OpenStack).
    public var topologyFile: String?
    /// The address the controller listens on and agents dial.
    public var controllerAddress: String?
    /// Asked after each test what follows (an interactive run); nil: one test.
    public var gate: (any RunTestGate)?

    /// A request for `configuration` on `cloud`.
    public init(configuration: Configuration, cloud: CloudOptions) {
        self.configuration = configuration
        self.cloud = cloud
    }

    /// The label the run is stored with.
    public var effectiveLabel: String? {
        label ?? configuration.result.label ?? swarmSamples.map { "swarm, \($0) invented latencies per interval: synthetic traffic, measures the controller" }
    }
}
