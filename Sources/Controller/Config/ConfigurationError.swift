import Yams

/// One thing wrong with a configuration: which key, where it was written, what is wrong with
/// it and, when a close match exists, what the user probably meant.
///
/// Printed as compilers print diagnostics, so editors can jump to it:
/// `my.yaml:12: client.http_tool_configs.conections: unknown key (did you mean `connections`?)`.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The dotted key path (`client.http_tool_configs.rate_limit`, `client.storage_tool_configs[2].mode`);
    /// empty for errors about a whole file.
    public var path: String
    /// The file that supplied the bad value, as the user named it.
    public var file: String
    /// The 1-based line of the bad key or value; 0 when the error concerns the whole file.
    public var line: Int
    /// What is wrong and what would be right.
    public var message: String
    /// The nearest valid spelling, when the value or key looks like a typo of one.
    public var suggestion: String?

    /// Creates an error.
    public init(path: String, file: String, line: Int, message: String, suggestion: String? = nil) {
        self.path = path
        self.file = file
        self.line = line
        self.message = message
        self.suggestion = suggestion
    }

    /// Creates an error at a location.
    init(path: String, at location: SourceLocation, message: String, suggestion: String? = nil) {
        self.init(path: path, file: location.file, line: location.line, message: message, suggestion: suggestion)
    }

    /// Turns a Yams syntax error into one located at the line libyaml reported.
    init(yamlError: YamlError, file: String) {
        var line = 0
        var problem = "\(yamlError)"
        switch yamlError {
        case let .scanner(context, text, mark, _), let .parser(context, text, mark, _),
             let .composer(context, text, mark, _):
            line = mark.line
            problem = [context?.text, text].compactMap { $0 }.joined(separator: " ")
        case let .duplicatedKeysInMapping(duplicates, context):
            line = context.mark.line
            problem = "the key `\(duplicates.joined(separator: "`, `"))` appears twice in one mapping"
        default:
            break
        }
        self.init(path: "", file: file, line: line,
                  message: "not valid YAML: \(problem); fix the syntax (indentation, `key: value`, quotes)")
    }

    /// `file:line: path: message (did you mean `x`?)`.
    public var description: String {
        var text = SourceLocation(file: file, line: line).description + ": "
        if !path.isEmpty { text += path + ": " }
        text += message
        if let suggestion { text += " (did you mean `\(suggestion)`?)" }
        return text
    }
}

/// Every error found in a configuration, so one run of `config validate` shows them all.
///
/// Sorted by file (in the order the files were given) and line, as a reader fixes them.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    /// The errors, sorted.
    public let errors: [ConfigurationError]

    /// Sorts `errors` by the position of their file in `fileOrder` (files not listed, such as
    /// the built-in default, first), then line, then key path.
    public init(_ errors: [ConfigurationError], fileOrder: [String] = []) {
        func rank(_ file: String) -> Int { (fileOrder.firstIndex(of: file) ?? -1) }
        self.errors = errors.sorted {
            (rank($0.file), $0.file, $0.line, $0.path, $0.message)
                < (rank($1.file), $1.file, $1.line, $1.path, $1.message)
        }
    }

    /// One error per line, each in `file:line: key.path: message` form.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
