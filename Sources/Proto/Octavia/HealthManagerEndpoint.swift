#if canImport(Glibc)
import Glibc
#endif

/// A health manager's UDP endpoint, `host:port` with a numeric host: `127.0.0.1:5555`,
/// `[::1]:5555`. Amphorae are configured with addresses (`controller_ip_port_list`), never
/// names, and a heartbeat sender must not stall on DNS, so names are refused.
public struct HealthManagerEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The address literal, without brackets.
    public let host: String
    /// The UDP port (1-65535).
    public let port: Int

    /// Parses `text`, or says what is wrong with it and what to give instead.
    public static func parse(_ text: String) -> Result<HealthManagerEndpoint, EndpointError> {
        let trimmed = text.trimmingSpaces
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[close...].hasPrefix("]:") else {
                return .failure(EndpointError(text: text, problem: "has no ]:PORT after the IPv6 address"))
            }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                return .failure(EndpointError(text: text, problem: "has no :PORT"))
            }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
            if host.contains(":") {
                return .failure(EndpointError(text: text, problem: "is an IPv6 address without brackets"))
            }
        }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            return .failure(EndpointError(text: text, problem: "has port \"\(portText)\", not 1 to 65535"))
        }
        guard isAddressLiteral(String(host)) else {
            return .failure(EndpointError(
                text: text, problem: host.isEmpty ? "has no host" : "has host \"\(host)\", which is not a numeric IPv4 or IPv6 address"))
        }
        return .success(HealthManagerEndpoint(host: String(host), port: port))
    }

    /// Parses a comma-separated list (`controller_ip_port_list`); empty items are errors.
    public static func parseList(_ text: String) -> Result<[HealthManagerEndpoint], EndpointError> {
        var endpoints: [HealthManagerEndpoint] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            switch parse(String(item)) {
            case .success(let endpoint): endpoints.append(endpoint)
            case .failure(let error): return .failure(error)
            }
        }
        return .success(endpoints)
    }

    /// `host:port`, bracketing an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private static func isAddressLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// A health manager endpoint that cannot be used: the text, what is wrong, and the form wanted.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text given.
    public let text: String
    /// What is wrong with it.
    public let problem: String

    /// "health manager "x" has no :PORT; give HOST:PORT with a numeric address, e.g. ..."
    public var description: String {
        "health manager \"\(text)\" \(problem); give HOST:PORT with a numeric address, e.g. 127.0.0.1:5555 or [::1]:5555"
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
