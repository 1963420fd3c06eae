extension Configuration {
    /// Notes about keys changed from the default that the chosen cloud will not act on, as
    /// `file:line: key.path = value: reason` lines sorted by file and line.
    ///
    /// They are notes rather than errors so a KloudBuster file written for OpenStack runs
    /// unchanged on the local cloud: `server.use_floatingip: true` is "ignored on the local
    /// cloud", and keys of features this implementation lacks (storage, multicast) are
    /// "accepted but not used" on every cloud.
    public func notes(for cloud: Cloud) -> [String] {
        var found: [(location: SourceLocation, text: String)] = []
        Self.collectNotes(tree, default: ConfigurationLoader.defaultTree, shape: ConfigurationSchema.root,
                          relevance: .everywhere, path: [], cloud: cloud, into: &found)
        return found
            .sorted { ($0.location.file, $0.location.line, $0.text) < ($1.location.file, $1.location.line, $1.text) }
            .map { "\($0.location): \($0.text)" }
    }

    private static func collectNotes(_ node: ConfigurationNode, default base: ConfigurationNode?,
                                     shape: ConfigurationShape, relevance: ConfigurationRelevance,
                                     path: [String], cloud: Cloud,
                                     into found: inout [(location: SourceLocation, text: String)]) {
        let reason: String?
        switch relevance {
        case .everywhere: reason = nil
        case let .openstackOnly(what): reason = cloud != .openstack ? "ignored on the \(cloud) cloud (on OpenStack: \(what))" : nil
        case let .vmsOnly(what): reason = cloud == .local ? "ignored on the local cloud (on qemu and OpenStack: \(what))" : nil
        case let .notImplemented(why): reason = "accepted but not used: \(why)"
        // Reported as errors by `ConfigurationValidator.unsupportedKeys`: no note as well.
        case .unsupported: return
        }
        if let reason {
            for (leafPath, leaf, location) in node.changedLeaves(from: base, path: path) {
                let value = leaf.scalar.map { " = \($0.text)" } ?? ""
                found.append((location, "\(ConfigurationPath.render(leafPath))\(value) is \(reason)"))
            }
            return
        }
        guard let fields = shape.fields, let entries = node.entries else { return }
        for entry in entries {
            guard let field = fields.first(where: { $0.name == entry.key }) else { continue }
            collectNotes(entry.value, default: base?[entry.key], shape: field.shape, relevance: field.relevance,
                         path: path + [entry.key], cloud: cloud, into: &found)
        }
    }
}
