import Foundation

/// The qemu cloud's deleters: namespaces, taps and run files, from their ledger rows alone.
/// (Its VMs and DHCP server are processes, deleted by `ProcessResourceDeleter`.)
public enum QemuResourceDeleters {
    /// One deleter per kind the qemu cloud creates besides processes.
    public static func all(ledger: Ledger) -> [any ResourceDeleter] {
        [NamespaceDeleter(), TapDeleter(), RunFileDeleter(ledger: ledger)]
    }
}

/// Deletes a network namespace (the bridge in it goes with it).
struct NamespaceDeleter: ResourceDeleter {
    let kind: ResourceKind = .netns

    func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        let name = resource.externalID ?? resource.name
        guard FileManager.default.fileExists(atPath: "/run/netns/\(name)") else {
            return .alreadyGone("no network namespace \(name)")
        }
        try await HostCommand("ip", ["netns", "delete", name]).run()
        return .deleted
    }
}

/// Deletes a VM's tap, wherever it is: in the run's namespace or, moved back by nothing, on the
/// host. A tap qemu held vanishes with qemu, so after the VM is stopped it is usually gone.
struct TapDeleter: ResourceDeleter {
    let kind: ResourceKind = .tap

    func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        guard let tap = resource.externalID else {
            return .alreadyGone("never attached (qemu's tap ends with qemu)")
        }
        let namespace = resource.runID
        if FileManager.default.fileExists(atPath: "/run/netns/\(namespace)"),
           (try? await HostCommand("ip", ["-n", namespace, "link", "show", tap]).run()) != nil {
            try await HostCommand("ip", ["-n", namespace, "link", "delete", tap]).run()
            return .deleted
        }
        if FileManager.default.fileExists(atPath: "/sys/class/net/\(tap)") {
            try await HostCommand("ip", ["link", "delete", tap]).run()
            return .deleted
        }
        return .alreadyGone("no tap \(tap)")
    }
}

/// Deletes a file of the run's folder, named by its path inside the folder.
struct RunFileDeleter: ResourceDeleter {
    let kind: ResourceKind = .file
    let ledger: Ledger

    func delete(_ resource: ResourceRecord) async throws -> DeletionOutcome {
        let folder = try ledger.store.runDirectory(for: resource.runID)
        let file = folder.appendingPathComponent(resource.name).standardizedFileURL
        guard file.path.hasPrefix(folder.standardizedFileURL.path + "/") else {
            throw QemuCloudError(operation: "delete \(resource.name)", reason: "the name leaves the run folder \(folder.path)",
                                 remedy: "delete it by hand if it is yours")
        }
        guard FileManager.default.fileExists(atPath: file.path) else { return .alreadyGone("no file \(file.path)") }
        try FileManager.default.removeItem(at: file)
        return .deleted
    }
}
