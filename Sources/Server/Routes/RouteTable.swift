import HTTPTypes
import Synchronization

/// The server's routes as method and path pattern, so that a request for a path that exists
/// with another method is answered 405 with `Allow` (HTTP's rule), not 404.
final class RouteTable: Sendable {
    private let routes = Mutex<[(method: String, segments: [Substring])]>([])

    /// Takes the router's routes ("GET /v1/runs/:id"), once they are all registered.
    func load(_ routes: [(method: String, path: String)]) {
        self.routes.withLock { table in
            table = routes.map { ($0.method, $0.path.split(separator: "/")) }
        }
    }

    /// The methods `path` has, sorted; empty when no route has this path.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.withLock { table in
            Set(table.filter { Self.matches($0.segments, segments) }.map(\.method)).sorted()
        }
    }

    private static func matches(_ pattern: [Substring], _ segments: [Substring]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
    }
}
