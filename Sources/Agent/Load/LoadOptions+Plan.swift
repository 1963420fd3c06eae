import ArgumentParser

extension LoadOptions {
    /// The largest request body the engine sends (its buffer holds one request whole).
    public static let maximumBodySize = ByteCount(256 * 1_048_576)

    /// The target, parsed; throws a `ValidationError` naming the URL argument.
    public func target() throws -> TargetURL {
        do {
            return try TargetURL(parsing: url)
        } catch {
            throw ValidationError("URL: \(error)")
        }
    }

    /// The thread count that will be used: `--threads`, or min(CPUs, connections).
    public func effectiveThreads(limits: SystemLimits) -> Int {
        threads ?? max(1, min(limits.cpus, connections))
    }

    /// Checks all options, including those the engine does not take (duration, interval),
    /// against each other and against `limits`, and returns the engine plan.
    ///
    /// Every failure is a `ValidationError` of one line: the option, what is wrong, what to do.
    public func plan(limits: SystemLimits) throws -> LoadPlan {
        let target = try target()
        guard connections >= 1 else {
            throw ValidationError("--connections: must be at least 1 (got \(connections)); give the number of concurrent connections like 10 or 1000")
        }
        if let threads, threads < 1 {
            throw ValidationError("--threads: must be at least 1 (got \(threads)); give a thread count like 2, or leave it out to use one per CPU")
        }
        let threadCount = effectiveThreads(limits: limits)
        guard threadCount <= connections else {
            throw ValidationError("--threads: \(threadCount) threads for \(connections) connections would leave threads idle; give at most \(connections), or more --connections")
        }
        guard duration.microseconds > 0 else {
            throw ValidationError("--duration: must be greater than zero (got \"\(duration)\"); give a time like 30s, 2m or 500ms")
        }
        if let rate {
            guard rate.requestsPerSecond > 0 else {
                throw ValidationError("--rate: must be greater than zero (got \"\(rate)\"); give \(RateValue.expectedForm), or leave it out for no limit")
            }
            guard rate.requestsPerSecond >= Double(threadCount) else {
                throw ValidationError("--rate: \"\(rate)\" is less than one request per second for each of the \(threadCount) threads; give at least \(threadCount), or fewer --threads")
            }
        }
        guard sendWindow.microseconds >= 0, sendWindow.microseconds <= 1_000_000 else {
            throw ValidationError("--send-window: \"\(sendWindow)\" is not between 0 and 1s; give a time like 1ms or 200us, or 0 to send each request at its own time")
        }
        if sendWindow.microseconds > 0, rate == nil {
            throw ValidationError("--send-window: only a --rate has a schedule to send in windows; give --rate too, or leave --send-window out")
        }
        guard timeout.microseconds >= 0 else {
            throw ValidationError("--timeout: must not be negative (got \"\(timeout)\"); give a time like 2s or 500ms, or 0 to wait forever")
        }
        if let interval {
            guard interval.microseconds > 0 else {
                throw ValidationError("--interval: must be greater than zero (got \"\(interval)\"); give a time like 1s, or leave it out for no interval reports")
            }
            guard interval.microseconds <= duration.microseconds else {
                throw ValidationError("--interval: \"\(interval)\" is longer than --duration \"\(duration)\"; give an interval no longer than the run")
            }
        }
        guard bodySize.bytes <= LoadOptions.maximumBodySize.bytes else {
            throw ValidationError("--body-size: \"\(bodySize)\" is more than the limit of 256 MiB; give at most 256m")
        }
        try checkLimits(limits)
        let (headers, hostHeader) = try checkedHeaders()
        try checkMethod()
        if let hlog, hlog.isEmpty {
            throw ValidationError("--hlog: the file name is empty; give a path like run.hlog")
        }
        return LoadPlan(
            host: target.host, port: target.port, path: target.path, hostHeader: hostHeader ?? target.hostHeader,
            method: method, headers: headers, bodySize: bodySize.bytes,
            tls: target.scheme == .https, verifyCertificates: !insecure, closeEachRequest: closeEachRequest,
            connections: connections, threads: threadCount, rate: rate?.requestsPerSecond,
            timeout: timeout.duration, sendWindow: sendWindow.duration, sources: source?.addresses ?? [],
            displayURL: target.description)
    }

    /// File descriptors and ephemeral ports: the two limits that stop a load long before the
    /// engine or the network does, with a message saying which knob to turn.
    private func checkLimits(_ limits: SystemLimits) throws {
        let needed = UInt64(connections) + SystemLimits.reservedFileDescriptors
        if let openFiles = limits.openFiles, needed > openFiles {
            throw ValidationError("--connections: \(connections) connections need \(needed) file descriptors but this process may open \(openFiles); raise the limit with \"ulimit -n \(needed)\" or use fewer connections")
        }
        let addresses = max(1, source?.count ?? 1)
        let perAddress = (connections + addresses - 1) / addresses
        if let ports = limits.ephemeralPorts, perAddress > ports {
            let wanted = (connections + ports - 1) / ports
            throw ValidationError("--connections: \(connections) connections from \(addresses) source address\(addresses == 1 ? "" : "es") need \(perAddress) local ports each but the ephemeral port range (/proc/sys/net/ipv4/ip_local_port_range) has \(ports); give --source with at least \(wanted) addresses, like --source 127.0.0.2-127.0.0.\(min(254, 1 + wanted))")
        }
    }

    /// Splits off a Host header (it replaces the URL's) and checks the others' shape.
    private func checkedHeaders() throws -> (headers: [String], host: String?) {
        var headers: [String] = []
        var host: String?
        for line in header {
            guard !line.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                // Sent as it is, the rest of the line would be a header (or a request) of its own.
                let shown = line.unicodeScalars.map { $0 == "\r" ? "\\r" : $0 == "\n" ? "\\n" : String($0) }.joined()
                throw ValidationError("-H/--header: \"\(shown)\" contains a line break (CR or LF), which would inject headers into the request; give one header per -H")
            }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  line[..<colon].allSatisfy(LoadOptions.isTokenCharacter) else {
                throw ValidationError("--header: \"\(line)\" is not \"Name: value\"; write it like -H \"Accept: text/html\"")
            }
            let name = line[..<colon], value = String(line[line.index(after: colon)...]).trimmingWhitespace()
            if name.lowercased() == "host" {
                host = value
            } else {
                headers.append("\(name): \(value)")
            }
        }
        return (headers, host)
    }

    private func checkMethod() throws {
        guard !method.isEmpty, method.allSatisfy(LoadOptions.isTokenCharacter) else {
            throw ValidationError("--method: \"\(method)\" is not an HTTP method; give one like GET, POST or PUT")
        }
    }

    /// RFC 9110 §5.6.2 token characters, which header names and methods are made of.
    static func isTokenCharacter(_ character: Character) -> Bool {
        guard character.isASCII else { return false }
        return character.isLetter || character.isNumber || "!#$%&'*+-.^_`|~".contains(character)
    }
}
