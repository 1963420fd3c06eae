/// Typed reads from a tree that `ConfigurationValidator` accepted. A read that finds the
/// wrong kind means the schema and these reads disagree, a bug in this build, so it stops
/// with a message naming the key rather than inventing a value.
struct ConfigurationReader {
    /// The subtree being read.
    let node: ConfigurationNode
    /// Its key path, for the message of an impossible read.
    let path: [String]

    /// A reader over the whole tree.
    init(_ node: ConfigurationNode, path: [String] = []) {
        self.node = node
        self.path = path
    }

    /// The reader of a child mapping.
    func child(_ key: String) -> ConfigurationReader {
        ConfigurationReader(value(key), path: path + [key])
    }

    /// The node under `key`.
    func value(_ key: String) -> ConfigurationNode {
        guard let value = node[key] else { impossible(key, "is missing") }
        return value
    }

    /// An integer.
    func int(_ key: String) -> Int {
        guard case let .int(value) = value(key).scalar else { impossible(key, "is not an integer") }
        return value
    }

    /// A number (an integer is a number too).
    func number(_ key: String) -> Double {
        guard let value = value(key).scalar?.number else { impossible(key, "is not a number") }
        return value
    }

    /// A duration (a number of seconds, or `30s`, `500ms`, `2m`...), to the millisecond.
    func duration(_ key: String) -> Duration {
        let scalar = value(key).scalar
        let seconds = scalar?.number.flatMap(DurationText.duration(seconds:))
        guard let duration = seconds ?? scalar.flatMap({ if case let .string(text) = $0 { DurationText.parse(text) } else { nil } })
        else { impossible(key, "is not a duration") }
        return duration
    }

    /// A boolean.
    func bool(_ key: String) -> Bool {
        guard case let .bool(value) = value(key).scalar else { impossible(key, "is not a boolean") }
        return value
    }

    /// Text; plain numbers and booleans as written.
    func string(_ key: String) -> String {
        guard let value = optionalString(key) else { impossible(key, "is empty") }
        return value
    }

    /// Text, or nil when the key is absent or empty.
    func optionalString(_ key: String) -> String? {
        guard let scalar = node[key]?.scalar, scalar != .null else { return nil }
        return scalar.text
    }

    private func impossible(_ key: String, _ problem: String) -> Never {
        fatalError("validated configuration: \(ConfigurationPath.render(path + [key])) \(problem)")
    }
}
