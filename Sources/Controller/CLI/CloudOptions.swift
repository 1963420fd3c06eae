import ArgumentParser
import Foundation

/// Which cloud a command works on, and the credentials for OpenStack: shared by `run` and
/// `cleanup`, so cleaning up after a crash takes exactly the options the run took.
public struct CloudOptions: ParsableArguments, Sendable {
    /// The cloud.
    @Option(help: ArgumentHelp("local (agents as processes on loopback addresses), qemu (VMs booted from the agent image on this machine) or openstack.", valueName: "cloud"))
    public var cloud: CloudChoice = .local

    /// An openrc file.
    @Option(name: .customLong("rc"), help: ArgumentHelp("OpenStack openrc file (default: openrc_file, else the OS_* environment).", valueName: "file"))
    public var rcFile: String?

    /// A clouds.yaml cloud.
    @Option(name: .customLong("os-cloud"), help: ArgumentHelp("A cloud of clouds.yaml (default: $OS_CLOUD).", valueName: "name"))
    public var osCloud: String?

    /// The testing (client) cloud's openrc.
    @Option(name: .customLong("testing-rc"), help: ArgumentHelp("openrc of a second cloud for the clients (dual-cloud test: servers in the first, clients here).", valueName: "file"))
    public var testingRCFile: String?

    /// The testing cloud in clouds.yaml.
    @Option(name: .customLong("testing-os-cloud"), help: ArgumentHelp("clouds.yaml cloud for the clients (dual-cloud test).", valueName: "name"))
    public var testingOSCloud: String?

    /// Reuse an existing project and users.
    @Option(name: [.customShort("l"), .customLong("tenants-list")],
            help: ArgumentHelp("KloudBuster tenants file: stage in this existing project with these users (no admin role needed).", valueName: "file"))
    public var tenantsFile: String?

    /// The qemu cloud's image.
    @Option(help: ArgumentHelp("The agent image the qemu cloud boots (default: vm_image_file, $KB_AGENT_IMAGE, else what `make image` built).", valueName: "file"))
    public var image: String?

    /// The qemu cloud's accelerator.
    @Option(help: ArgumentHelp("How the qemu cloud runs the VMs' CPUs: tcg (software, works everywhere), kvm (after a probe boot shows KVM works here; else the run stops) or auto (kvm when the probe boots, else tcg).", valueName: "tcg|kvm|auto"))
    public var accel: QemuAccelerator = .tcg

    /// For ArgumentParser.
    public init() {}

    /// The clouds the options can name.
    public enum CloudChoice: String, ExpressibleByArgument, Sendable, CaseIterable {
        /// This machine.
        case local
        /// An OpenStack cloud.
        case openstack
        /// qemu VMs on this machine.
        case qemu

        /// The configuration's view of the cloud.
        public var configurationCloud: Configuration.Cloud {
            switch self {
            case .local: .local
            case .openstack: .openstack
            case .qemu: .qemu
            }
        }
    }

    /// Checks that the options fit together.
    public func validate() throws {
        if rcFile != nil && osCloud != nil { throw ValidationError("give either --rc or --os-cloud, not both") }
        if testingRCFile != nil && testingOSCloud != nil { throw ValidationError("give either --testing-rc or --testing-os-cloud, not both") }
        if cloud != .openstack && (rcFile != nil || osCloud != nil || testingRCFile != nil || testingOSCloud != nil || tenantsFile != nil) {
            throw ValidationError("--rc, --os-cloud, --testing-rc, --testing-os-cloud and --tenants-list need --cloud openstack")
        }
        if cloud != .qemu && image != nil { throw ValidationError("--image needs --cloud qemu") }
        if cloud != .qemu && accel != .tcg { throw ValidationError("--accel needs --cloud qemu") }
    }

    /// The credentials of the server (first) cloud: `--rc`, `--os-cloud`, `openrc_file`,
    /// `$OS_CLOUD`, else the `OS_*` environment.
    public func serverCredentials(openrcFile: String? = nil,
                                  environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenStackCredentials {
        try Self.credentials(rcFile: rcFile, osCloud: osCloud, openrcFile: openrcFile, environment: environment)
    }

    /// The credentials of `rcFile`, else cloud `osCloud` of clouds.yaml, else `openrcFile`,
    /// else `$OS_CLOUD`, else the `OS_*` variables of `environment`: the order every command
    /// that talks to OpenStack follows.
    public static func credentials(rcFile: String?, osCloud: String?, openrcFile: String? = nil,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenStackCredentials {
        if let rcFile { return try OpenStackCredentials.fromRCFile(rcFile, environment: environment) }
        if let osCloud { return try OpenStackCredentials.fromCloudsYAML(cloud: osCloud, environment: environment) }
        if let openrcFile { return try OpenStackCredentials.fromRCFile(openrcFile, environment: environment) }
        if let name = environment["OS_CLOUD"], !name.isEmpty, environment["OS_AUTH_URL"] == nil {
            return try OpenStackCredentials.fromCloudsYAML(cloud: name, environment: environment)
        }
        return try OpenStackCredentials(variables: environment, source: "the environment")
    }

    /// The credentials of the testing (client) cloud, when a second cloud was named.
    public func testingCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenStackCredentials? {
        var credentials: OpenStackCredentials
        if let testingRCFile {
            credentials = try OpenStackCredentials.fromRCFile(testingRCFile, environment: environment)
        } else if let testingOSCloud {
            credentials = try OpenStackCredentials.fromCloudsYAML(cloud: testingOSCloud, environment: environment)
        } else {
            return nil
        }
        if credentials.cloudName == "openstack" { credentials.cloudName = "openstack-testing" }
        return credentials
    }

    /// The sessions cleanup needs, by the ledger's cloud names.
    func sessions(openrcFile: String? = nil) throws -> [String: OpenStackSession] {
        let server = try serverCredentials(openrcFile: openrcFile)
        var sessions = [server.cloudName: OpenStackSession(credentials: server)]
        if let testing = try testingCredentials() {
            sessions[testing.cloudName] = OpenStackSession(credentials: testing)
        }
        return sessions
    }
}

extension QemuAccelerator: ExpressibleByArgument {}
