import Foundation

/// The second pass of `kloudbuster cleanup --all --cloud openstack`: after the ledger's runs are
/// cleaned, it finds what runs of this tool left in the cloud with no ledger row to say so (a
/// state directory lost or on another machine, a controller killed inside a call) and deletes
/// it, children before parents.
///
/// It looks only where this tool works, and only at the names it gives:
/// - in the projects a run created (the ledger's tenant rows, any run, any state), the tenants
///   file's project, and the projects named with a run id: servers, floating IPs (by their
///   description), routers (interfaces first), ports, subnets, networks and security groups;
/// - the keypairs of the users a run created, of the users named with a run id, and of the
///   tenants file's users;
/// - anywhere: the users and projects named with a run id, and the flavors `<run id>-server`
///   and `<run id>-client` (names only this tool gives).
///
/// "Named with a run id" means beginning with a well-formed run id and `-` (`RunID.prefix(of:)`);
/// a bare `kb-` is never enough. A run whose controller is still alive is spared.
public struct OpenStackSweeper: Sendable {
    /// What the ledger and the command line say about where this tool worked.
    public struct Hints: Sendable {
        /// Projects the ledger says a run created: id → that run.
        public var projectIDs: [String: String]
        /// Users the ledger says a run created.
        public var userIDs: Set<String>
        /// The tenants file given to cleanup (its project and users).
        public var reuse: TenantReuse?
        /// Runs whose controller is alive: what carries their id is left alone.
        public var protectedRuns: Set<String>

        /// Hints; all empty by default.
        public init(projectIDs: [String: String] = [:], userIDs: Set<String> = [], reuse: TenantReuse? = nil, protectedRuns: Set<String> = []) {
            self.projectIDs = projectIDs
            self.userIDs = userIDs
            self.reuse = reuse
            self.protectedRuns = protectedRuns
        }
    }

    /// A resource found, with the session that deletes it.
    struct Target: Sendable {
        let kind: ResourceKind
        let id: String
        let name: String
        let place: String
        let session: OpenStackSession

        var entry: OpenStackSweepReport.Entry { .init(kind: kind, name: name, id: id, place: place) }
    }

    /// A project looked in, with the session that sees its resources.
    struct Scope: Sendable {
        let id: String
        let name: String
        let session: OpenStackSession
        let admin: Bool
    }

    /// A user whose keypairs are looked at: by id (admin), or through its own session.
    struct KeypairOwner: Sendable {
        let userID: String?
        let name: String
        let session: OpenStackSession
    }

    /// The order of deletion: children before parents.
    static let order: [ResourceKind] = [.vm, .floatingIP, .router, .port, .subnet, .network, .securityGroup, .keypair, .user, .tenant, .flavor]

    /// The cloud's name in the ledger.
    public let cloudName: String
    /// The operator's session (admin, or a member with a tenants file).
    public let session: OpenStackSession
    /// Where else to look, and what to spare.
    public let hints: Hints
    /// How long a deleted VM may take to disappear.
    public let vmGoneTimeout: Duration
    /// How many resources of one kind are deleted at a time.
    public let concurrency: Int

    /// A sweeper of the cloud of `session`.
    public init(cloudName: String, session: OpenStackSession, hints: Hints, vmGoneTimeout: Duration = .seconds(120), concurrency: Int = 8) {
        self.cloudName = cloudName
        self.session = session
        self.hints = hints
        self.vmGoneTimeout = vmGoneTimeout
        self.concurrency = max(1, concurrency)
    }

    /// Finds the leftovers and deletes them (with `dryRun`, lists them and changes nothing);
    /// when something could not be deleted, looks once more and deletes what it finds then.
    ///
    /// - Throws: `OpenStackAPIError` when a listing fails (nothing is deleted then).
    public func sweep(dryRun: Bool) async throws -> OpenStackSweepReport {
        var report = OpenStackSweepReport(cloudName: cloudName, dryRun: dryRun)
        let targets = try await find(&report)
        if dryRun {
            report.wouldDelete = targets.map(\.entry)
            return report
        }
        await delete(targets, into: &report)
        guard !report.failed.isEmpty else { return report }
        // What failed may have been in passing (a VM Nova was still building when it was
        // deleted holds its project a little longer): look once more, from scratch.
        try? await Task.sleep(for: .seconds(2))
        var again = OpenStackSweepReport(cloudName: cloudName, dryRun: false)
        guard let retry = try? await find(&again) else { return report }
        await delete(retry, into: &again)
        report.deleted += again.deleted
        report.alreadyGone += again.alreadyGone
        report.failed = again.failed
        return report
    }

    /// Everything to delete, in deletion order.
    func find(_ report: inout OpenStackSweepReport) async throws -> [Target] {
        let token = try await session.currentToken()
        var targets: [Target] = []
        var scopes: [Scope] = []
        var owners: [KeypairOwner] = []
        if token.hasRole("admin") {
            try await findIdentities(&targets, &scopes, &owners, &report)
        } else if let reuse = hints.reuse {
            report.notes.append("user \(token.userName) has no admin role: only project \(reuse.projectName) of the tenants file is looked in")
            for side in OpenStackPlan.Side.allCases {
                let user = OpenStackSession(credentials: try reuse.credentials(of: side, operator: session.credentials))
                let projectID = try await user.currentToken().projectID ?? ""
                if !scopes.contains(where: { $0.id == projectID }) {
                    scopes.append(Scope(id: projectID, name: reuse.projectName, session: user, admin: false))
                    report.projects.append("\(reuse.projectName) (\(projectID)): tenants file")
                }
                owners.append(KeypairOwner(userID: nil, name: reuse.user(of: side).name, session: user))
            }
        } else {
            report.notes.append("user \(token.userName) has no admin role and no tenants file (-l) was given: nothing to look in")
            return []
        }
        // Neutron creates a project's `default` security group whenever its groups are listed
        // with a project filter, even for a deleted project: groups are listed unfiltered (once,
        // as admin) and picked by project here.
        var adminGroups: [JSONValue]?
        for scope in scopes {
            let groups: [JSONValue]
            if scope.admin {
                if adminGroups == nil { adminGroups = try await NetworkAPI(session: session).list(.securityGroup) }
                groups = adminGroups!
            } else {
                groups = try await NetworkAPI(session: scope.session).list(.securityGroup)
            }
            targets += try await contents(of: scope, groups: groups.filter { $0["project_id"]?.string == scope.id }, &report)
        }
        for owner in owners {
            let compute = ComputeAPI(session: owner.session)
            let place = "of user \(owner.name)"
            for name in try await compute.keypairs(userID: owner.userID) {
                let id = owner.userID.map { "\($0)/\(name)" } ?? name
                guard claims(name, .keypair, id, place, &report) else { continue }
                targets.append(Target(kind: .keypair, id: id, name: name, place: place, session: owner.session))
            }
        }
        return targets.enumerated().sorted { a, b in
            let (ka, kb) = (Self.order.firstIndex(of: a.element.kind) ?? 0, Self.order.firstIndex(of: b.element.kind) ?? 0)
            return ka != kb ? ka < kb : a.offset < b.offset
        }.map(\.element)
    }

    /// As admin: the projects, users and flavors named with a run id, the ledger's projects and
    /// users, and the tenants file's.
    private func findIdentities(_ targets: inout [Target], _ scopes: inout [Scope], _ owners: inout [KeypairOwner],
                                _ report: inout OpenStackSweepReport) async throws {
        let identity = IdentityAPI(session: session)
        report.searchedIdentities = true
        let projects = try await identity.projects()
        let projectNames = Dictionary(projects.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        func look(in id: String, _ name: String, because why: String) {
            guard !scopes.contains(where: { $0.id == id }) else { return }
            scopes.append(Scope(id: id, name: name, session: session, admin: true))
            report.projects.append("\(name) (\(id)): \(why)")
        }
        for project in projects where claims(project.name, .tenant, project.id, "", &report) {
            look(in: project.id, project.name, because: "named with run id \(RunID.prefix(of: project.name)!)")
            targets.append(Target(kind: .tenant, id: project.id, name: project.name, place: "", session: session))
        }
        for (id, run) in hints.projectIDs.sorted(by: { $0.key < $1.key }) {
            look(in: id, projectNames[id] ?? "(deleted project)", because: "created by run \(run)")
        }
        let users = try await identity.users()
        var ownerIDs = hints.userIDs
        if let reuse = hints.reuse {
            let found = try await identity.projects(named: reuse.projectName)
            if found.isEmpty { report.notes.append("project \(reuse.projectName) of the tenants file does not exist") }
            for project in found { look(in: project.id, reuse.projectName, because: "tenants file") }
            let names = Set(OpenStackPlan.Side.allCases.map { reuse.user(of: $0).name })
            ownerIDs.formUnion(users.filter { names.contains($0.name) }.map(\.id))
        }
        for user in users where claims(user.name, .user, user.id, "", &report) {
            targets.append(Target(kind: .user, id: user.id, name: user.name, place: "", session: session))
            ownerIDs.insert(user.id)
        }
        let userNames = Dictionary(users.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        owners += ownerIDs.sorted().map { KeypairOwner(userID: $0, name: userNames[$0] ?? $0, session: session) }
        for flavor in try await ComputeAPI(session: session).flavors() {
            guard let id = flavor["id"]?.string, let name = flavor["name"]?.string, let run = RunID.prefix(of: name),
                  [run + "-server", run + "-client"].contains(name), claims(name, .flavor, id, "", &report)
            else { continue }
            targets.append(Target(kind: .flavor, id: id, name: name, place: "", session: session))
        }
    }

    /// The resources of one project named with a run id (`groups`: its security groups).
    private func contents(of scope: Scope, groups: [JSONValue], _ report: inout OpenStackSweepReport) async throws -> [Target] {
        let place = "in project \(scope.name)"
        var found: [Target] = []
        for server in try await ComputeAPI(session: scope.session).servers(inProject: scope.id, admin: scope.admin) {
            guard let id = server["id"]?.string, let name = server["name"]?.string, claims(name, .vm, id, place, &report) else { continue }
            found.append(Target(kind: .vm, id: id, name: name, place: place, session: scope.session))
        }
        let network = NetworkAPI(session: scope.session)
        let kinds: [(NetworkAPI.Resource, ResourceKind)] = [
            (.floatingIP, .floatingIP), (.router, .router), (.port, .port), (.subnet, .subnet), (.network, .network), (.securityGroup, .securityGroup),
        ]
        for (resource, kind) in kinds {
            let items = resource == .securityGroup ? groups : try await network.list(resource, ["project_id": scope.id])
            for item in items {
                let name = (resource == .floatingIP ? item["description"]?.string : item["name"]?.string) ?? ""
                guard let id = item["id"]?.string, claims(name, kind, id, place, &report) else { continue }
                found.append(Target(kind: kind, id: id, name: name, place: place, session: scope.session))
            }
        }
        return found
    }

    /// Whether `name` is this tool's to sweep: it begins with a well-formed run id and `-`, and
    /// that run's controller is not alive (else it is reported as spared).
    private func claims(_ name: String, _ kind: ResourceKind, _ id: String, _ place: String, _ report: inout OpenStackSweepReport) -> Bool {
        guard let run = RunID.prefix(of: name) else { return false }
        guard !hints.protectedRuns.contains(run) else {
            report.spared.append(.init(kind: kind, name: name, id: id, place: place, detail: "run \(run)'s controller is still running"))
            return false
        }
        return true
    }
}
