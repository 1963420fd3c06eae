#if canImport(Glibc)
import Glibc
#endif

/// System errors (errno values) in words.
public enum SystemError {
    /// The errno's text as the C library spells it, starting in lower case so that it reads
    /// inside a sentence: "connection refused", "permission denied".
    public static func text(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        let words = String(cString: text)
        guard let first = words.first else { return "error \(code)" }
        return first.lowercased() + words.dropFirst()
    }
}
