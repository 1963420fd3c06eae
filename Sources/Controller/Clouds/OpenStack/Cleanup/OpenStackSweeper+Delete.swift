import Foundation

// Deleting what the sweep found: kind by kind, children before parents, a few of a kind at a
// time, each with retries. A failure is recorded and the sweep goes on; a parent whose child
// is still there then fails with the service's own reason.
extension OpenStackSweeper {
    /// How many times each resource is tried.
    static let attempts = 3

    /// Deletes `targets` (in deletion order) and records each outcome in `report`.
    func delete(_ targets: [Target], into report: inout OpenStackSweepReport) async {
        for kind in Self.order {
            let batch = targets.filter { $0.kind == kind }
            guard !batch.isEmpty else { continue }
            for (target, outcome) in await removeConcurrently(batch) {
                var entry = target.entry
                switch outcome {
                case .success(true):
                    report.deleted.append(entry)
                case .success(false):
                    entry.detail = "not found"
                    report.alreadyGone.append(entry)
                case .failure(let error):
                    entry.detail = error.description
                    report.failed.append(entry)
                }
            }
        }
    }

    /// Removes `batch` at most `concurrency` at a time; results in the order given.
    private func removeConcurrently(_ batch: [Target]) async -> [(Target, Result<Bool, SweepFailure>)] {
        var results = [Result<Bool, SweepFailure>?](repeating: nil, count: batch.count)
        await withTaskGroup(of: (Int, Result<Bool, SweepFailure>).self) { group in
            var next = 0
            func startNext() {
                guard next < batch.count else { return }
                let (position, target) = (next, batch[next])
                group.addTask { (position, await self.attemptRemove(target)) }
                next += 1
            }
            for _ in 0..<min(concurrency, batch.count) { startNext() }
            while let (position, result) = await group.next() {
                results[position] = result
                startNext()
            }
        }
        return zip(batch, results).map { ($0, $1!) }
    }

    /// Tries `removeOne` up to `attempts` times: a network may still hold the port of a VM
    /// Nova is tearing down.
    private func attemptRemove(_ target: Target) async -> Result<Bool, SweepFailure> {
        var last = ""
        for attempt in 1...Self.attempts {
            do {
                return .success(try await removeOne(target))
            } catch let refused as SweepFailure {
                return .failure(refused)
            } catch {
                last = "\(error)"
            }
            guard attempt < Self.attempts, !Task.isCancelled else { break }
            try? await Task.sleep(for: .seconds(attempt))
        }
        return .failure(SweepFailure(description: "\(last) (after \(Self.attempts) attempt(s))"))
    }

    /// Deletes one resource; `false` when it was gone. A router loses its interfaces first; a
    /// project is deleted only when nothing is left in it.
    private func removeOne(_ target: Target) async throws -> Bool {
        switch target.kind {
        case .router:
            try await detachInterfaces(of: target)
        case .tenant:
            let held = try await holdings(of: target.id, session: target.session)
            guard held.isEmpty else {
                throw SweepFailure(description:
                    "it still holds \(held.joined(separator: ", ")): delete or move them, then run cleanup again "
                        + "(deleting the project would leave them orphaned)")
            }
        default:
            break
        }
        return try await OpenStackRemover(session: target.session, vmGoneTimeout: vmGoneTimeout)
            .remove(target.kind, id: target.id, name: target.name)
    }

    /// Detaches every subnet from the router (a router with interfaces cannot be deleted).
    private func detachInterfaces(of router: Target) async throws {
        let network = NetworkAPI(session: router.session)
        for port in try await network.list(.port, ["device_id": router.id]) {
            guard let portID = port["id"]?.string, (port["device_owner"]?.string ?? "").hasPrefix("network:router_interface") else { continue }
            try await network.removeRouterInterface(router: router.id, port: portID, describing: "detach port \(portID) from router \(router.name)")
        }
    }

    /// What the project still holds in Nova and Neutron (its `default` security group aside),
    /// as `kind name` texts; empty when it can be deleted without orphaning anything.
    private func holdings(of projectID: String, session: OpenStackSession) async throws -> [String] {
        // A server Nova has marked DELETED is being destroyed (its ports are already gone).
        var held = try await ComputeAPI(session: session).servers(inProject: projectID, admin: true, detailed: true)
            .filter { $0["status"]?.string != "DELETED" }
            .map { "server \($0["name"]?.string ?? $0["id"]?.string ?? "?")" }
        let network = NetworkAPI(session: session)
        for resource in [NetworkAPI.Resource.floatingIP, .router, .network, .port, .securityGroup] {
            for item in try await network.list(resource, ["project_id": projectID]) {
                let name = item["name"]?.string ?? item["description"]?.string ?? ""
                if resource == .securityGroup && name == "default" { continue }
                held.append("\(resource.noun) \(name.isEmpty ? item["id"]?.string ?? "?" : name)")
            }
        }
        return held
    }
}

/// Why the sweep could not delete one resource.
struct SweepFailure: Error, CustomStringConvertible {
    let description: String
}
