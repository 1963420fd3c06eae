import Foundation

/// One YAML document to merge, with the name errors will give it.
public struct ConfigurationSource: Sendable {
    /// The file name as the user wrote it (errors print it), or a label for text from elsewhere.
    public var name: String
    /// The YAML text.
    public var text: String

    /// Creates a source from text already in memory.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }

    /// Reads a file.
    ///
    /// - Throws: `ConfigurationError` naming the file when it cannot be read.
    public init(file path: String) throws(ConfigurationError) {
        do throws(FileProblem) {
            self.init(name: path, text: try FileProblem.readText(path))
        } catch {
            throw ConfigurationError(
                path: "", file: path, line: 0,
                message: "cannot read the file: \(error.reason); give the path of a readable YAML file")
        }
    }
}

/// Builds a `Configuration` from the built-in default and user files.
///
/// Each file is deep-merged over the result so far: mappings merge key by key, scalars and
/// lists replace (a list is one value: `http_stop_limit: [10, 99]` replaces both items), and an
/// empty value where the default has a mapping changes nothing (a file that keeps `server:`
/// with every child commented out means "no changes"). The merged tree is then checked against
/// `ConfigurationSchema` and every problem is reported at once.
public struct ConfigurationLoader: Sendable {
    /// Creates a loader over the built-in default.
    public init() {}

    /// Loads the default merged with `files`, later files winning.
    ///
    /// - Throws: `ConfigurationErrors` with every problem found in every file.
    public func load(files: [String]) throws(ConfigurationErrors) -> Configuration {
        var sources: [ConfigurationSource] = []
        var errors: [ConfigurationError] = []
        for file in files {
            do throws(ConfigurationError) {
                sources.append(try ConfigurationSource(file: file))
            } catch {
                errors.append(error)
            }
        }
        guard errors.isEmpty else { throw ConfigurationErrors(errors, fileOrder: files) }
        return try load(sources: sources)
    }

    /// Loads the default merged with `sources`, later sources winning.
    ///
    /// - Throws: `ConfigurationErrors` with every problem found.
    public func load(sources: [ConfigurationSource]) throws(ConfigurationErrors) -> Configuration {
        let order = sources.map(\.name)
        var tree = Self.defaultTree
        var errors: [ConfigurationError] = []
        for source in sources {
            do throws(ConfigurationError) {
                guard let overlay = try ConfigurationNode.parse(yaml: source.text, file: source.name) else { continue }
                guard overlay.entries != nil else {
                    errors.append(ConfigurationError(
                        path: "", at: overlay.origin,
                        message: "a configuration file must be a mapping of `key: value` lines at the top, "
                            + "got \(overlay.kindDescription); start from `kloudbuster config show`"))
                    continue
                }
                tree = Self.merge(overlay, over: tree)
            } catch {
                errors.append(error)
            }
        }
        let validator = ConfigurationValidator()
        errors += validator.validate(tree)
        errors += validator.unsupportedKeys(in: tree, default: Self.defaultTree)
        guard errors.isEmpty else { throw ConfigurationErrors(errors, fileOrder: order) }
        return Configuration(validated: tree)
    }

    /// The built-in default as a tree. It is checked by the tests, so failing here is a bug in
    /// this build, not a user error.
    static let defaultTree: ConfigurationNode = {
        do {
            guard let tree = try ConfigurationNode.parse(yaml: DefaultConfiguration.yaml,
                                                         file: DefaultConfiguration.sourceName) else {
                fatalError("the built-in default configuration is empty")
            }
            return tree
        } catch {
            fatalError("the built-in default configuration does not parse: \(error)")
        }
    }()

    /// `overlay` merged over `base`: see the type's documentation for the rules.
    static func merge(_ overlay: ConfigurationNode, over base: ConfigurationNode) -> ConfigurationNode {
        guard var merged = base.entries else {
            return overlay
        }
        guard let overlayEntries = overlay.entries else {
            return overlay.scalar == .null ? base : overlay
        }
        for entry in overlayEntries {
            if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                merged[index].value = merge(entry.value, over: merged[index].value)
                merged[index].keyOrigin = entry.keyOrigin
            } else {
                merged.append(entry)
            }
        }
        return ConfigurationNode(.mapping(merged), origin: base.origin)
    }
}
