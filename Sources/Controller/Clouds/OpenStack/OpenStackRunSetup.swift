import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `kloudbuster run --cloud openstack` needs before the run exists: both sides'
/// credentials and sessions, the tenants and topology files, and the configuration adjusted
/// to them. Building it reads files only; nothing is sent to the cloud yet.
public struct OpenStackRunSetup: Sendable {
    /// The server (first) cloud's credentials.
    public let server: OpenStackCredentials
    /// The client cloud's credentials (the server's unless `--testing-rc` named another).
    public let client: OpenStackCredentials
    /// The sessions by the ledger's cloud names.
    public let sessions: [String: OpenStackSession]
    /// The tenants file, in reuse mode.
    public let reuse: TenantReuse?
    /// The topology file.
    public let racks: RackTopology?
    /// The configuration, adjusted (one tenant per side in reuse mode).
    public let configuration: Configuration
    /// What was adjusted, for the user.
    public let notes: [String]

    /// Reads the credentials and files named by `options`; `credentials`, when given, are the
    /// server (first) cloud's instead of what `options` names.
    ///
    /// - Throws: `OpenStackCredentialError` or `OpenStackPlanError` naming the file or variable.
    public init(options: CloudOptions, topologyFile: String?, configuration: Configuration, credentials: OpenStackCredentials? = nil) throws {
        server = try credentials ?? options.serverCredentials(openrcFile: configuration.openstack.openrcFile)
        client = try options.testingCredentials() ?? server
        var sessions = [server.cloudName: OpenStackSession(credentials: server)]
        if client.cloudName != server.cloudName { sessions[client.cloudName] = OpenStackSession(credentials: client) }
        self.sessions = sessions
        reuse = try options.tenantsFile.map { try TenantReuse(file: $0) }
        racks = try topologyFile.map { try RackTopology(file: $0) }
        var adjusted = configuration
        var notes: [String] = []
        if let reuse, adjusted.server.numberOfTenants != 1 {
            notes.append("server.number_tenants is \(adjusted.server.numberOfTenants), but with a tenants file one project (\(reuse.projectName)) holds one tenant per side: using 1")
            adjusted.server.numberOfTenants = 1
        }
        self.configuration = adjusted
        self.notes = notes
    }

    /// The stager of `topology`; it draws progress bars on `status` when that is a terminal.
    public func stager(topology: RunTopology, configuration: Configuration, ledger: Ledger, status: StatusLine? = nil,
                       progress: @escaping @Sendable (String) -> Void) -> OpenStackStager {
        OpenStackStager(
            plan: OpenStackPlan(topology: topology, server: configuration.server), configuration: configuration,
            server: .init(session: sessions[server.cloudName]!, cloudName: server.cloudName),
            client: .init(session: sessions[client.cloudName]!, cloudName: client.cloudName),
            reuse: reuse, topology: racks, ledger: ledger, status: status, progress: progress)
    }

    /// This machine's address on the route to Keystone: where the VMs can reach the controller
    /// (127.0.0.1 when Keystone is on loopback).
    public func controllerAddress() throws -> String {
        guard let host = server.authURL.host else { return "127.0.0.1" }
        let port = server.authURL.port ?? 5000
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw OpenStackPlanError("cannot resolve \(host) from OS_AUTH_URL to find this machine's address toward the cloud: give --controller-address")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw OpenStackPlanError("socket() failed: give --controller-address") }
        defer { close(fd) }
        // A UDP connect sends nothing; it only asks the kernel which source address it would use.
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw OpenStackPlanError("no route to \(host): give --controller-address")
        }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw OpenStackPlanError("getsockname() failed: give --controller-address") }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        inet_ntop(AF_INET, &local.sin_addr, &text, socklen_t(INET_ADDRSTRLEN))
        return String(cString: text)
    }
}
