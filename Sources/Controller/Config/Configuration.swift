/// The configuration of a run: KloudBuster's keys with Swift names and types, built from the
/// built-in default merged with the user's files (`ConfigurationLoader`).
///
/// Every value is valid by construction: counts are at least 1, durations positive,
/// percentiles ones KloudBuster reports. The merged tree is kept for `effectiveYAML()` and
/// `notes(for:)`.
public struct Configuration: Sendable, Equatable {
    /// The clouds a run can use.
    public enum Cloud: String, Sendable, CaseIterable {
        /// Agents as processes on loopback addresses of this machine.
        case local
        /// Tenants, networks and VMs on an OpenStack cloud.
        case openstack
        /// qemu VMs booted from the agent image on this machine, on a bridge of their own.
        case qemu
    }

    /// Keys used only to stage on OpenStack (top level of the YAML).
    public var openstack: OpenStack
    /// `cleanup_resources`: delete what the run created when it ends.
    public var cleanupResources: Bool
    /// `server`: the HTTP server side and the topology.
    public var server: Server
    /// `client`: the load generators.
    public var client: Client
    /// `result`: where results are written.
    public var result: Result

    /// The merged tree the values came from.
    let tree: ConfigurationNode

    /// Builds the typed view of a tree that `ConfigurationValidator` accepted.
    init(validated tree: ConfigurationNode) {
        let root = ConfigurationReader(tree)
        self.tree = tree
        openstack = OpenStack(root)
        cleanupResources = root.bool("cleanup_resources")
        server = Server(root.child("server"))
        client = Client(root.child("client"))
        result = Result(root.child("result"))
    }

    /// The merged configuration as YAML, keys in the default's order and then any optional
    /// keys the user added, so the output is stable. Loading it gives an equal `Configuration`.
    public func effectiveYAML() -> String {
        tree.yamlText()
    }
}

extension Configuration {
    /// The top-level keys that matter only when staging on OpenStack.
    public struct OpenStack: Sendable, Equatable {
        /// `openrc_file`: credentials file; nil = the environment or the CLI.
        public var openrcFile: String?
        /// `image_name`: Glance image of the test VMs; nil = `kloudbuster-<version>`.
        public var imageName: String?
        /// `vm_image_file`: qcow2 file to upload when the image is missing.
        public var vmImageFile: String?
        /// `keystone_admin_role`: the role name that grants administration.
        public var keystoneAdminRole: String
        /// `vm_creation_concurrency`: VMs booted at a time.
        public var vmCreationConcurrency: Int
        /// `public_key_file`: SSH public key injected into the VMs.
        public var publicKeyFile: String?
        /// `config_drive`: boot every VM with a config drive holding its user data.
        public var configDrive: Bool
        /// `provider_network`: provider network name.
        public var providerNetwork: String?

        init(_ root: ConfigurationReader) {
            openrcFile = root.optionalString("openrc_file")
            imageName = root.optionalString("image_name")
            vmImageFile = root.optionalString("vm_image_file")
            keystoneAdminRole = root.string("keystone_admin_role")
            vmCreationConcurrency = root.int("vm_creation_concurrency")
            publicKeyFile = root.optionalString("public_key_file")
            configDrive = root.bool("config_drive")
            providerNetwork = root.optionalString("provider_network")
        }
    }

    /// Where results go. Paths are as written (relative to the working directory).
    public struct Result: Sendable, Equatable {
        /// `json_file`: the JSON result; nil = not written.
        public var jsonFile: String?
        /// `html_file`: a copy of the HTML report (the run folder always holds one); nil = no copy.
        public var htmlFile: String?
        /// `hlog_file`: the HdrHistogram interval log; nil = not written.
        public var hlogFile: String?
        /// `label`: free text stored with the result.
        public var label: String?

        init(_ reader: ConfigurationReader) {
            jsonFile = reader.optionalString("json_file")
            htmlFile = reader.optionalString("html_file")
            hlogFile = reader.optionalString("hlog_file")
            label = reader.optionalString("label")
        }
    }
}
