/// The user data cannot be used: which source (file or options), which key, and what to do.
public struct UserDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file path, or "options" for values given on the command line.
    public let source: String
    /// The key path, e.g. `controller.server_public_key`; nil when the whole source is bad.
    public let key: String?
    /// What is wrong and what to do.
    public let problem: String

    /// An error about `key` of `source`.
    public init(source: String, key: String?, problem: String) {
        self.source = source
        self.key = key
        self.problem = problem
    }

    /// The JSON decoder's error, retold with the key path it happened at.
    init(decoding error: DecodingError, source: String) {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String? {
            let keys = (context.codingPath + (last.map { [$0] } ?? [])).map(\.stringValue)
            return keys.isEmpty ? nil : keys.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(source: source, key: path(context), problem: "must be a \(type == String.self ? "string" : "\(type)")")
        case .valueNotFound(_, let context):
            self.init(source: source, key: path(context), problem: "is null; give a value")
        case .keyNotFound(let key, let context):
            self.init(source: source, key: path(context, key), problem: "is missing")
        case .dataCorrupted(let context):
            let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            self.init(
                source: source, key: path(context),
                problem: "is not a valid JSON object (\(reason)); the user data is one JSON object as docs/run-protocol.md shows")
        @unknown default:
            self.init(source: source, key: nil, problem: "cannot be decoded (\(error))")
        }
    }

    /// One line: `userdata FILE: key K: problem`.
    public var description: String {
        "userdata \(source): " + (key.map { "key \"\($0)\" " } ?? "") + problem
    }
}
