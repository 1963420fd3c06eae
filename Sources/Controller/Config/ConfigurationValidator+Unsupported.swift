extension ConfigurationValidator {
    /// An error for every key of a feature this build does not have yet (`.unsupported` in the
    /// schema) that `tree` sets to anything but the default's value.
    ///
    /// Such a key would change what a run does or reports (an HTML report, a pause before the
    /// load), so accepting it silently would give a result the user did not ask for; left at the
    /// default it asks for nothing, and KloudBuster files that carry it still load.
    func unsupportedKeys(in tree: ConfigurationNode, default base: ConfigurationNode) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        collect(tree, default: base, shape: schema, relevance: .everywhere, path: [], into: &errors)
        return errors
    }

    private func collect(_ node: ConfigurationNode, default base: ConfigurationNode?, shape: ConfigurationShape,
                         relevance: ConfigurationRelevance, path: [String], into errors: inout [ConfigurationError]) {
        if case let .unsupported(why) = relevance {
            for (leafPath, leaf, location) in node.changedLeaves(from: base, path: path) {
                let defaultLeaf = base?.node(at: Array(leafPath.dropFirst(path.count)))
                errors.append(ConfigurationError(
                    path: ConfigurationPath.render(leafPath), at: location,
                    message: "not supported by this build yet: \(why); \(Self.remedy(value: leaf, default: defaultLeaf))"))
            }
            return
        }
        guard let fields = shape.fields, let entries = node.entries else { return }
        for entry in entries {
            guard let field = fields.first(where: { $0.name == entry.key }) else { continue }
            collect(entry.value, default: base?[entry.key], shape: field.shape, relevance: field.relevance,
                    path: path + [entry.key], into: &errors)
        }
    }

    /// What to write instead: the default's value, or nothing.
    private static func remedy(value: ConfigurationNode, default base: ConfigurationNode?) -> String {
        let got = value.scalar.map { " (got `\($0.text)`)" } ?? ""
        switch base?.scalar {
        case .null?: return "leave it empty or remove the key" + got
        case let scalar?: return "set it to `\(scalar.text)` or remove the key" + got
        case nil: return "remove the key" + got
        }
    }
}
