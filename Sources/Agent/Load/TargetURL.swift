/// The URL a load is sent to: `http` or `https`, a host (name, IPv4, or `[IPv6]`), an optional
/// port, and the request target (path and query).
///
/// Parsed by hand: the agent imports FoundationEssentials only, and the engine needs exactly
/// these parts, checked with messages that say what to fix.
public struct TargetURL: Sendable, Equatable, CustomStringConvertible {
    /// Schemes the engine speaks.
    public enum Scheme: String, Sendable, Equatable {
        /// Plain HTTP/1.1, default port 80.
        case http
        /// HTTP/1.1 over TLS, default port 443.
        case https

        /// The port used when the URL names none.
        public var defaultPort: UInt16 { self == .http ? 80 : 443 }
    }

    /// Why a URL was refused; `description` is one line ending in what to do.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        /// The URL as given.
        public let url: String
        /// What is wrong with it, and what to do.
        public let problem: String
        /// One line for the user.
        public var description: String { "\"\(url)\" \(problem)" }
    }

    /// `http` or `https`.
    public let scheme: Scheme
    /// The host without brackets: a name, an IPv4 address or an IPv6 address.
    public let host: String
    /// The port, explicit or the scheme's default.
    public let port: UInt16
    /// The request target, starting with "/": path and query, never a fragment.
    public let path: String

    /// Parses `text`; the error says which part is wrong.
    public init(parsing text: String) throws(ParseError) {
        func fail(_ problem: String) -> ParseError { ParseError(url: text, problem: problem) }
        let example = "like http://127.0.0.1:8080/index.html"
        guard let separator = text.firstRange(of: "://") else {
            throw fail("is not a URL; give one \(example)")
        }
        let schemeText = text[..<separator.lowerBound].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw fail("uses the scheme \"\(schemeText)\"; only http and https are supported")
        }
        guard !text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) else {
            throw fail("contains white space; percent-encode it as %20")
        }
        let rest = text[separator.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }  // never sent
        if target.isEmpty { target = "/" } else if target.first == "?" { target = "/" + target }
        guard !authority.contains("@") else {
            throw fail("carries a user name; put credentials in a header with -H \"Authorization: ...\"")
        }
        let hostPart: Substring, portPart: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else {
                throw fail("has an IPv6 address without its closing \"]\"; write it like http://[::1]:8080/")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portPart = nil
            } else if after.first == ":" {
                portPart = after.dropFirst()
            } else {
                throw fail("has text after the IPv6 address; write it like http://[::1]:8080/")
            }
            guard SourceAddresses.isIPv6(String(hostPart)) else {
                throw fail("has \"[\(hostPart)]\", which is not an IPv6 address")
            }
        } else {
            let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else {
                throw fail("has more than one \":\" in its host; put an IPv6 address in brackets like http://[::1]/")
            }
            hostPart = pieces[0]
            portPart = pieces.count == 2 ? pieces[1] : nil
            guard !hostPart.isEmpty else { throw fail("has no host; give one \(example)") }
            let allowed = hostPart.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." || $0 == "_" }
            guard allowed else {
                throw fail("has the host \"\(hostPart)\", which is not a host name or IPv4 address")
            }
        }
        var port = scheme.defaultPort
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(portPart) else {
                throw fail("has the port \"\(portPart)\", which is not a port number; give 1 to 65535")
            }
            guard (1...65_535).contains(value) else {
                throw fail("has the port \(value); give a port from 1 to 65535")
            }
            port = UInt16(value)
        }
        self.scheme = scheme
        self.host = String(hostPart)
        self.port = port
        self.path = target
    }

    /// The host as it appears in a URL or a Host header: IPv6 addresses in brackets.
    public var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    /// The value of the Host header: the host, and the port when it is not the scheme's default
    /// (RFC 9110 §7.2).
    public var hostHeader: String {
        port == scheme.defaultPort ? bracketedHost : "\(bracketedHost):\(port)"
    }

    /// The URL in canonical form.
    public var description: String { "\(scheme.rawValue)://\(hostHeader)\(path)" }
}
