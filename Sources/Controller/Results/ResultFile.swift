import Foundation

/// Reads a run's `result.json` back into a `ResultDocument` (`kloudbuster report`,
/// `--charts-from-json`), with errors that say which file and what is wrong with it: missing,
/// not JSON, JSON of something else, or a result with a field of the wrong kind.
public enum ResultFile {
    /// A file that is not a readable result.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The file as given.
        public let path: String
        /// What is wrong, in plain words, with what to do.
        public let reason: String

        /// `PATH: REASON`.
        public var description: String { "\(path): \(reason)" }
    }

    /// The document in the file at `path`.
    public static func read(_ path: String) throws(Problem) -> ResultDocument {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw Problem(path: path, reason: "cannot read it: \(FileProblem(.read, path: path, error: error).reason)")
        }
        return try decode(data, path: path)
    }

    /// The document in `data`, read from `path` (named in errors).
    public static func decode(_ data: Data, path: String) throws(Problem) -> ResultDocument {
        let hint = "give the result.json of a run (in its run folder, or written by `kloudbuster run --json`)"
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            let start = String(decoding: data.prefix(40), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            throw Problem(path: path, reason: "is not JSON (it starts with \"\(start)\"); \(hint)")
        }
        guard let fields = object as? [String: Any], fields["kb_result"] != nil else {
            throw Problem(path: path, reason: "is JSON but not a KloudBuster result (it has no kb_result); \(hint)")
        }
        do {
            return try JSONDecoder().decode(ResultDocument.self, from: data)
        } catch let error as DecodingError {
            throw Problem(path: path, reason: "is not a result this kloudbuster can read: \(describe(error)); \(hint)")
        } catch {
            throw Problem(path: path, reason: "is not a result this kloudbuster can read: \(error)")
        }
    }

    /// "kb_result[0].latency_stats is missing", "status: expected a string".
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            return keys.reduce("") { text, key in
                if let index = key.intValue { return text + "[\(index)]" }
                return text.isEmpty ? key.stringValue : text + "." + key.stringValue
            }
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .valueNotFound(let type, let context): return "\(path(context)) is null, expected \(kind(type))"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(kind(type))"
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int64.Type, is UInt64.Type, is UInt32.Type, is Double.Type: return "a number"
        case is [Any].Type: return "a list"
        default: return type is any Collection.Type ? "a list" : "an object"
        }
    }
}
