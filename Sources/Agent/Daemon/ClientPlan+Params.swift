import Proto

extension AgentDaemon.ClientPlan {
    /// Why HttpClientParams cannot be loaded: one line naming the field and what to do.
    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// The engine plan for `params`, checked field by field (the engine checks again, with less
    /// helpful words, when Prepare creates it).
    static func make(_ params: Kb_V1_HttpClientParams) -> Result<Self, Problem> {
        func fail(_ text: String) -> Result<Self, Problem> { .failure(Problem(description: "http_client." + text)) }
        let target: TargetURL
        do {
            target = try TargetURL(parsing: params.targetURL)
        } catch {
            return fail("target_url: \(error)")
        }
        guard params.connections >= 1 else { return fail("connections is 0; give at least 1") }
        guard params.threads >= 1 else { return fail("threads is 0; give at least 1") }
        guard params.connections >= params.threads else {
            return fail("connections (\(params.connections)) < threads (\(params.threads)); give at least one connection per thread")
        }
        guard params.reportIntervalMs > 0 else { return fail("report_interval_ms is 0; give the interval, like 1000") }
        guard params.rateLimit.isFinite, params.rateLimit >= 0 else {
            return fail("rate_limit \(params.rateLimit) is not a rate; give requests per second, or 0 for no limit")
        }
        if params.rateLimit > 0, params.rateLimit < Double(params.threads) {
            return fail("rate_limit \(params.rateLimit) is below one request per second per thread (\(params.threads)); raise it or use fewer threads")
        }
        guard params.sendWindowUs <= 1_000_000 else {
            return fail("send_window_us \(params.sendWindowUs) is more than 1 s; give at most 1000000, or 0 to send each request at its own time")
        }
        if params.sendWindowUs > 0, params.rateLimit == 0 {
            return fail("send_window_us \(params.sendWindowUs) without a rate_limit: only a rate has a schedule to send in windows")
        }
        if !params.sourceAddress.isEmpty, !SourceAddresses.isNumericAddress(params.sourceAddress) {
            return fail("source_address \"\(params.sourceAddress)\" is not a numeric address; give the agent's own address or leave it empty")
        }
        let plan = LoadPlan(
            host: target.host, port: target.port, path: target.path, hostHeader: target.hostHeader,
            tls: target.scheme == .https, closeEachRequest: params.closeEachRequest,
            connections: Int(params.connections), threads: Int(params.threads),
            rate: params.rateLimit > 0 ? params.rateLimit : nil,
            timeout: .milliseconds(Int64(clamping: params.timeoutMs)),
            sendWindow: .microseconds(Int64(clamping: params.sendWindowUs)),
            sources: params.sourceAddress.isEmpty ? [] : [params.sourceAddress], displayURL: target.description)
        return .success(Self(plan: plan, reportInterval: .milliseconds(Int64(clamping: params.reportIntervalMs))))
    }
}
