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

    /// A number of seconds as a `Duration`, to the millisecond.
    func seconds(_ key: String) -> Duration {
        .milliseconds(Int64((number(key) * 1000).rounded()))
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
