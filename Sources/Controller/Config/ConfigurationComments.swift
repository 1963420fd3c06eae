/// The comments of the built-in default (`DefaultConfiguration.yaml`) by key path, and the
/// merged configuration printed with them, so `config show -c FILE` explains every key as the
/// default does and says which values a file set.
///
/// The default is this project's own text, block style with two-space indentation (lists of
/// mappings aside), and `ConfigurationNode.yamlText()` emits the same layout, so a key line is
/// found by its indentation alone; the tests hold the two together.
struct ConfigurationComments {
    /// The comment and blank lines written above each key of the default, by key path; the
    /// file's opening block (up to its first blank line) is left out.
    let byPath: [[String]: [String]]

    /// The comments of `DefaultConfiguration.yaml`.
    static let builtIn = ConfigurationComments(yaml: DefaultConfiguration.yaml)

    /// Reads the comments of `yaml`.
    init(yaml: String) {
        var byPath: [[String]: [String]] = [:]
        var pending: [String] = []
        var inHeader = true
        Self.walk(yaml) { line, path in
            guard let path else {
                if line.trimmingLeadingSpaces.hasPrefix("#") || line.trimmingLeadingSpaces.isEmpty {
                    if inHeader && line.isEmpty { inHeader = false; return }
                    if !inHeader { pending.append(line) }
                } else {
                    pending = []  // list content: its comments belong to no key
                }
                return
            }
            inHeader = false
            byPath[path] = pending
            pending = []
        }
        self.byPath = byPath
    }

    /// `configuration`'s merged tree as YAML, with the default's comments above each key and,
    /// above a value a file set, where it was set and what the default was.
    func render(_ tree: ConfigurationNode, default base: ConfigurationNode) -> String {
        var output: [String] = []
        Self.walk(tree.yamlText()) { line, path in
            guard let path else { return output.append(line) }
            let indent = String(repeating: " ", count: line.count - line.trimmingLeadingSpaces.count)
            output += byPath[path] ?? []
            // A mapping the default has changed only where its keys say so.
            if let node = tree.node(at: path), node.entries == nil || base.node(at: path) == nil {
                let original = base.node(at: path)
                if original != node {
                    let was = original.map { " (default: \(Self.summary($0)))" } ?? " (not in the default)"
                    output.append("\(indent)# set in \(node.origin)\(was)")
                }
            }
            // `key: ~` is how the emitter writes an empty value; the default writes `key:`.
            output.append(line.hasSuffix(": ~") ? String(line.dropLast(2)) : line)
        }
        return output.joined(separator: "\n") + "\n"
    }

    /// A default value in a few words, for the `# set in` line.
    private static func summary(_ node: ConfigurationNode) -> String {
        switch node.content {
        case .scalar(.null): return "empty"
        case let .scalar(value): return value.text
        case let .sequence(elements) where elements.allSatisfy({ $0.scalar != nil }):
            return "[" + elements.map { $0.scalar?.text ?? "" }.joined(separator: ", ") + "]"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// Calls `body` with every line of `yaml` and, for a key line outside a list, its key path.
    private static func walk(_ yaml: String, _ body: (_ line: String, _ path: [String]?) -> Void) {
        var stack: [(indent: Int, key: String)] = []
        // A block list, `- item` lines at this indentation and anything deeper, holds no
        // key this walk names.
        var listIndent: Int?
        var lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            let content = line.trimmingLeadingSpaces
            let indent = line.count - content.count
            if content.isEmpty || content.hasPrefix("#") { body(line, nil); continue }
            if let list = listIndent, indent > list || (indent == list && content.hasPrefix("-")) {
                body(line, nil); continue
            }
            listIndent = nil
            if content.hasPrefix("-") { listIndent = indent; body(line, nil); continue }
            guard let colon = content.firstIndex(of: ":"),
                  content[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                body(line, nil); continue
            }
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            stack.append((indent, String(content[..<colon])))
            body(line, stack.map(\.key))
        }
    }
}

extension String {
    /// The string without its leading spaces.
    fileprivate var trimmingLeadingSpaces: Substring { drop { $0 == " " } }
}
