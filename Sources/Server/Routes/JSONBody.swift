import Foundation
import Hummingbird
import NIOCore

/// Reads a request's JSON object strictly: `application/json` only, a JSON object, no key the
/// route does not know (a typo must not be ignored), each error naming the field.
struct JSONBody {
    /// The object.
    let object: [String: Any]

    /// Collects and parses `request`'s body, allowing only `keys`.
    static func read(_ request: Request, context: ServerContext, keys: Set<String>) async throws -> JSONBody {
        let type = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard type == "application/json" else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "the body must be JSON: send Content-Type: application/json (got \(type ?? "none"))", field: "Content-Type")
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: context.maxUploadSize)
        } catch {
            throw APIError(.contentTooLarge, "too_large", "the body is over \(context.maxUploadSize) bytes")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView), options: [.fragmentsAllowed])
        } catch {
            throw APIError.invalid("the body is not valid JSON: \(Self.reason(error))", field: "body")
        }
        guard let dictionary = object as? [String: Any] else {
            throw APIError.invalid("the body must be a JSON object ({...})", field: "body")
        }
        let unknown = Set(dictionary.keys).subtracting(keys).sorted()
        if let first = unknown.first {
            throw APIError.invalid("unknown key \"\(first)\"; the keys here are: \(keys.sorted().joined(separator: ", "))", field: first)
        }
        return JSONBody(object: dictionary)
    }

    /// Like `read`, for a body that may be left out: nil when the request has none.
    static func readIfPresent(_ request: Request, context: ServerContext, keys: Set<String>) async throws -> JSONBody? {
        let length = request.headers[.contentLength].flatMap { Int($0) }
        guard request.headers[.contentType] != nil || (length ?? 0) > 0 || request.headers[.transferEncoding] != nil else { return nil }
        return try await read(request, context: context, keys: keys)
    }

    /// An object field, nil when absent.
    func object(_ key: String) throws -> [String: Any]? {
        guard let value = try present(key) else { return nil }
        guard let object = value as? [String: Any] else { throw APIError.invalid("\(key) must be a JSON object", field: key) }
        return object
    }

    /// A string field, nil when absent or null.
    func string(_ key: String, maxLength: Int = 1 << 20) throws -> String? {
        guard let value = try present(key) else { return nil }
        guard let text = value as? String else { throw APIError.invalid("\(key) must be a string", field: key) }
        guard text.utf8.count <= maxLength else { throw APIError.invalid("\(key) is over \(maxLength) bytes", field: key) }
        return text
    }

    /// A boolean field, nil when absent.
    func bool(_ key: String) throws -> Bool? {
        guard let value = try present(key) else { return nil }
        // JSONSerialization gives NSNumber for numbers and a boolean subclass for true/false;
        // `as? Bool` alone would take 1 for true.
        guard let number = value as? NSNumber, String(describing: type(of: number)).contains("Boolean") else {
            throw APIError.invalid("\(key) must be true or false", field: key)
        }
        return number.boolValue
    }

    /// A list of strings, nil when absent.
    func strings(_ key: String) throws -> [String]? {
        guard let value = try present(key) else { return nil }
        guard let list = value as? [Any], let texts = list as? [String] else {
            throw APIError.invalid("\(key) must be a list of strings", field: key)
        }
        return texts
    }

    /// The value of `key`, nil when absent; null is refused: an optional key is left out.
    private func present(_ key: String) throws -> Any? {
        guard let value = object[key] else { return nil }
        if value is NSNull { throw APIError.invalid("\(key) is null: leave the key out instead", field: key) }
        return value
    }

    private static func reason(_ error: Error) -> String {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        return text
    }
}
