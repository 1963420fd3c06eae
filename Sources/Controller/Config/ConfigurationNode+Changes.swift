extension ConfigurationNode {
    /// One value of a tree that differs from the default: its key path, the value, and where
    /// it was written.
    typealias Change = (path: [String], node: ConfigurationNode, location: SourceLocation)

    /// The parts of this node that differ from `base`, down to the keys that changed; a list
    /// counts as one value, as it does when merging. A key `base` lacks is a change at the key.
    func changedLeaves(from base: ConfigurationNode?, path: [String]) -> [Change] {
        if let entries, let baseEntries = base?.entries {
            return entries.flatMap { entry -> [Change] in
                guard let baseValue = baseEntries.first(where: { $0.key == entry.key })?.value else {
                    return [(path + [entry.key], entry.value, entry.keyOrigin)]
                }
                return entry.value.changedLeaves(from: baseValue, path: path + [entry.key])
            }
        }
        return self == base ? [] : [(path, self, origin)]
    }
}
