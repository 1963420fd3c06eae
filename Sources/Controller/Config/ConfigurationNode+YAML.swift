import Yams

extension ConfigurationNode {
    /// Parses one YAML document into a tree whose nodes remember `file` and their line.
    ///
    /// Returns nil for a document with no content (an empty file, or only comments), which a
    /// user file may legitimately be: it changes nothing.
    ///
    /// - Throws: `ConfigurationError` for YAML syntax errors and constructs this tool does not
    ///   take (aliases, keys that are not scalars), located at the offending line.
    public static func parse(yaml: String, file: String) throws(ConfigurationError) -> ConfigurationNode? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(yamlError: error, file: file)
        } catch {
            throw ConfigurationError(path: "", file: file, line: 0,
                                     message: "cannot read YAML: \(error); check the file's syntax")
        }
        guard let root else { return nil }
        return try ConfigurationNode(yams: root, file: file, path: [])
    }

    private init(yams node: Node, file: String, path: [String]) throws(ConfigurationError) {
        let origin = SourceLocation(file: file, line: node.mark?.line ?? 0)
        switch node {
        case let .scalar(scalar):
            self.init(.scalar(Self.resolve(scalar: scalar, node: node)), origin: origin)
        case let .sequence(sequence):
            var elements: [ConfigurationNode] = []
            for (index, element) in sequence.enumerated() {
                elements.append(try ConfigurationNode(yams: element, file: file, path: path + ["[\(index)]"]))
            }
            self.init(.sequence(elements), origin: origin)
        case let .mapping(mapping):
            var entries: [Entry] = []
            for (key, value) in mapping {
                let keyOrigin = SourceLocation(file: file, line: key.mark?.line ?? origin.line)
                guard case let .scalar(keyScalar) = key else {
                    throw ConfigurationError(
                        path: ConfigurationPath.render(path), file: file, line: keyOrigin.line,
                        message: "a key must be a plain word, not a list or mapping; write `name: value`")
                }
                let name = keyScalar.string
                entries.append(Entry(key: name, keyOrigin: keyOrigin,
                                     value: try ConfigurationNode(yams: value, file: file, path: path + [name])))
            }
            self.init(.mapping(entries), origin: origin)
        case .alias:
            // Anchors and aliases would make one value appear under several key paths, and an
            // error could then not name a single place to fix; KloudBuster files never use them.
            throw ConfigurationError(
                path: ConfigurationPath.render(path), file: file, line: origin.line,
                message: "YAML aliases (`*name`) are not supported here; write the value out")
        }
    }

    /// Quoted scalars are strings whatever they look like (`'1'` is text); plain scalars get
    /// YAML 1.1's resolution, which is what KloudBuster's Python loader applied.
    private static func resolve(scalar: Node.Scalar, node: Node) -> ConfigurationScalar {
        switch scalar.style {
        case .singleQuoted, .doubleQuoted, .literal, .folded:
            return .string(scalar.string)
        case .any, .plain:
            break
        }
        switch Tag.Name(rawValue: node.tag.rawValue) {
        case .null: return .null
        case .bool: return node.bool.map(ConfigurationScalar.bool) ?? .string(scalar.string)
        case .int: return node.int.map(ConfigurationScalar.int) ?? .string(scalar.string)
        case .float: return node.float.map(ConfigurationScalar.float) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    /// The tree as block-style YAML, keys in the tree's order (the default's order, then keys a
    /// user added), so the output of `config show` is stable and diffs cleanly.
    public func yamlText() -> String {
        // Serializing a tree of plain scalars, sequences and mappings cannot fail; an error
        // here would be a bug in Yams' emitter, not in the input.
        do {
            return try Yams.serialize(node: yamsNode(), indent: 2, width: -1, allowUnicode: true)
        } catch {
            fatalError("serializing a configuration tree failed: \(error)")
        }
    }

    private func yamsNode() -> Node {
        switch content {
        case let .scalar(value):
            return Self.yamsScalar(value)
        case let .sequence(elements):
            // Short lists of scalars read best inline, as the reference writes them
            // (`http_stop_limit: [50, 0]`); lists of mappings need block style.
            let flow = elements.allSatisfy { $0.scalar != nil }
            return .sequence(.init(elements.map { $0.yamsNode() }, .implicit, flow ? .flow : .block))
        case let .mapping(entries):
            return .mapping(.init(entries.map { (Node($0.key), $0.value.yamsNode()) }, .implicit, .block))
        }
    }

    private static func yamsScalar(_ value: ConfigurationScalar) -> Node {
        switch value {
        case .null:
            return .scalar(.init("~", .implicit, .plain))
        case .bool, .int, .float:
            return .scalar(.init(value.text, .implicit, .plain))
        case let .string(text):
            // A string that would read back as another kind (`'1'`, `'true'`, `''`) must be
            // quoted, or the round trip would change its type.
            let plain = Node.scalar(.init(text, .implicit, .plain))
            let quoted = text.isEmpty || Resolver.default.resolveTag(of: plain) != .str
            return .scalar(.init(text, .implicit, quoted ? .singleQuoted : .any))
        }
    }
}
