/// Checks a merged configuration tree against `ConfigurationSchema` and collects every
/// problem, so the user fixes a file in one pass instead of one error per run.
struct ConfigurationValidator {
    /// The shape the tree must have.
    var schema: ConfigurationShape = ConfigurationSchema.root

    /// Every error in `tree`, unsorted.
    func validate(_ tree: ConfigurationNode) -> [ConfigurationError] {
        var errors: [ConfigurationError] = []
        check(tree, against: schema, path: [], at: tree.origin, into: &errors)
        return errors
    }

    private func check(_ node: ConfigurationNode, against shape: ConfigurationShape, path: [String],
                       at location: SourceLocation, into errors: inout [ConfigurationError]) {
        let pathText = ConfigurationPath.render(path)
        func fail(_ message: String, suggestion: String? = nil) {
            errors.append(ConfigurationError(path: pathText, at: location, message: message, suggestion: suggestion))
        }
        switch shape {
        case let .scalar(rule):
            guard let scalar = node.scalar else {
                return fail("expected \(rule.expectation), got \(node.kindDescription)")
            }
            if let (message, suggestion) = problem(with: scalar, rule: rule) {
                fail(message, suggestion: suggestion)
            }
        case let .list(element):
            guard let elements = node.elements else {
                return fail("expected a list (`[a, b]` or `- a` lines), got \(node.kindDescription)")
            }
            for (index, item) in elements.enumerated() {
                check(item, against: element, path: path + ["[\(index)]"], at: item.origin, into: &errors)
            }
        case let .tuple(shapes, meaning):
            guard let elements = node.elements, elements.count == shapes.count else {
                let got = node.elements.map { "a list of \($0.count)" } ?? node.kindDescription
                return fail("expected a list of \(shapes.count) items \(meaning), got \(got)")
            }
            for (index, (item, itemShape)) in zip(elements, shapes).enumerated() {
                check(item, against: itemShape, path: path + ["[\(index)]"], at: item.origin, into: &errors)
            }
        case let .dictionary(valueShape):
            guard let entries = node.entries else {
                return fail("expected a mapping of `key: value` lines, got \(node.kindDescription)")
            }
            for entry in entries {
                check(entry.value, against: valueShape, path: path + [entry.key],
                      at: self.location(of: entry), into: &errors)
            }
        case let .mapping(fields):
            guard let entries = node.entries else {
                return fail("expected a mapping with the keys \(Self.list(fields.map(\.name))), got \(node.kindDescription)")
            }
            checkMapping(entries, fields: fields, path: path, at: location, into: &errors)
        }
    }

    private func checkMapping(_ entries: [ConfigurationNode.Entry], fields: [ConfigurationField], path: [String],
                              at location: SourceLocation, into errors: inout [ConfigurationError]) {
        for entry in entries {
            let entryPath = path + [entry.key]
            guard let field = fields.first(where: { $0.name == entry.key }) else {
                errors.append(unknownKey(entry, path: entryPath, known: fields.map(\.name)))
                continue
            }
            // An optional key left empty means "not set", whatever its shape.
            if field.optional, entry.value.scalar == .null { continue }
            check(entry.value, against: field.shape, path: entryPath, at: self.location(of: entry), into: &errors)
        }
        for field in fields where !field.optional && !entries.contains(where: { $0.key == field.name }) {
            errors.append(ConfigurationError(
                path: ConfigurationPath.render(path + [field.name]), at: location,
                message: "required key is missing; add `\(field.name):` here"))
        }
    }

    /// An unknown key gets the nearest sibling as a suggestion, or, when none is close, the
    /// full path of a key with that exact name elsewhere (a key written at the wrong level).
    private func unknownKey(_ entry: ConfigurationNode.Entry, path: [String], known: [String]) -> ConfigurationError {
        var suggestion = ConfigurationPath.nearest(to: entry.key, in: known)
        if suggestion == nil {
            suggestion = Self.paths(named: entry.key, in: schema, prefix: []).first.map(ConfigurationPath.render)
        }
        let hint = suggestion == nil ? "; keys accepted here: \(Self.list(known))" : ""
        return ConfigurationError(path: ConfigurationPath.render(path), at: entry.keyOrigin,
                                  message: "unknown key\(hint)", suggestion: suggestion)
    }

    /// A scalar value is reported on its own line; a mapping or list on the line of its key,
    /// which is where the reader looks.
    private func location(of entry: ConfigurationNode.Entry) -> SourceLocation {
        entry.value.scalar != nil && entry.value.origin.line > 0 ? entry.value.origin : entry.keyOrigin
    }

    private func problem(with scalar: ConfigurationScalar, rule: ConfigurationScalarRule) -> (String, String?)? {
        let wrong = ("expected \(rule.expectation), got \(scalar.kindDescription)", String?.none)
        if scalar == .null { return rule.nullable ? nil : wrong }
        switch rule.kind {
        case .boolean:
            if case .bool = scalar { return nil }
            return wrong
        case .string:
            return nil
        case let .choice(words):
            if words.contains(where: { $0.lowercased() == scalar.text.lowercased() }) { return nil }
            return (wrong.0, ConfigurationPath.nearest(to: scalar.text, in: words))
        case .percentile:
            guard let number = scalar.number else { return wrong }
            return number == 0 || ConfigurationScalarRule.percentiles.contains(number) ? nil : wrong
        case .duration:
            // A bare number is seconds; text is one of the CLI's forms.
            let duration = scalar.number.flatMap(DurationText.duration(seconds:))
                ?? { if case let .string(text) = scalar { DurationText.parse(text) } else { nil } }()
            guard let duration else { return wrong }
            if let maximum = rule.maximum, duration > .milliseconds(Int64(maximum * 1_000)) { return wrong }
            return rule.minimumExclusive && duration == .zero ? wrong : nil
        case .integer, .number:
            guard let number = scalar.number, rule.kind == .number || scalar.isInteger else { return wrong }
            if let minimum = rule.minimum, number < minimum || (rule.minimumExclusive && number == minimum) {
                return wrong
            }
            if let maximum = rule.maximum, number > maximum { return wrong }
            return nil
        }
    }

    /// Key paths of every field called `name`, for keys written at the wrong level.
    private static func paths(named name: String, in shape: ConfigurationShape, prefix: [String]) -> [[String]] {
        switch shape {
        case let .mapping(fields):
            return fields.flatMap { field in
                (field.name == name ? [prefix + [field.name]] : [])
                    + paths(named: name, in: field.shape, prefix: prefix + [field.name])
            }
        default:
            return []
        }
    }

    private static func list(_ names: [String]) -> String {
        names.map { "`\($0)`" }.joined(separator: ", ")
    }
}

extension ConfigurationScalar {
    /// Whether the value is a whole number as YAML wrote it (`5`, not `5.0` or `"5"`).
    var isInteger: Bool {
        if case .int = self { return true }
        return false
    }
}
