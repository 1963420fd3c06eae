import Foundation

/// A failure to use an Octavia database: which one (password masked), what is wrong and
/// what to do about it.
public struct OctaviaDatabaseError: Error, CustomStringConvertible, LocalizedError {
    /// The database URL, password masked.
    public var url: String
    /// What is wrong, as the end of a sentence that starts with the URL.
    public var problem: String
    /// What to do.
    public var remedy: String

    /// Creates the error.
    public init(url: String, problem: String, remedy: String) {
        self.url = url
        self.problem = problem
        self.remedy = remedy
    }

    /// One line: `database URL problem; remedy`.
    public var description: String { "database \(url) \(problem); \(remedy)" }
    /// The same line, for Foundation.
    public var errorDescription: String? { description }
}
