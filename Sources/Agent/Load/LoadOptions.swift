import ArgumentParser

/// The options of `kb-agent load`, shaped like wrk's: a URL, connections, threads, duration,
/// and optionally a fixed rate (wrk2's `-R`), with KloudBuster's additions (source addresses,
/// JSON, interval reports, HdrHistogram logs).
///
/// `validate()` checks everything that can be known before the engine starts, so a bad value
/// gets one line naming the option, what is wrong and what to do; `plan(limits:)` is the same
/// check with the host's limits injected, returning the engine plan.
public struct LoadOptions: ParsableArguments {
    /// The target URL, checked and parsed in `validate()`.
    @Argument(help: ArgumentHelp(
        "The URL to load: http:// or https://, a host name, IPv4 address or [IPv6] address, an optional port, and a path with query. Example: http://127.0.0.1:8080/index.html",
        valueName: "url"))
    public var url: String

    /// Concurrent connections.
    @Option(name: [.customShort("c"), .long], parsing: .unconditional, help: ArgumentHelp(
        "Concurrent connections kept open, spread over the threads, like 40, 1k or 1.5k (1,500). Each needs a file descriptor and, per source address, a local port. (default: 10)",
        valueName: "n"),
        transform: { try CountValue(parsing: $0).value })
    public var connections: Int = 10

    /// Event-loop threads; nil means min(CPUs, connections).
    @Option(name: [.customShort("t"), .long], parsing: .unconditional, help: ArgumentHelp(
        "Event-loop threads, at most --connections; k, M and G multiply as with -c. (default: the number of CPUs, or --connections if fewer)",
        valueName: "n"),
        transform: { try CountValue(parsing: $0).value })
    public var threads: Int?

    /// How long the load runs.
    @Option(name: [.customShort("d"), .long], parsing: .unconditional, help: ArgumentHelp(
        "How long to send load: 500ms, 30s, 2m, 1h; a bare number is seconds. (default: 10s)", valueName: "time"),
        transform: DurationValue.init(parsing:))
    public var duration = DurationValue(.seconds(10))

    /// Total requests per second, or nil for as fast as possible.
    @Option(name: [.customShort("R"), .long], parsing: .unconditional, help: ArgumentHelp(
        "Total requests per second over all connections, like 500, 10k or 1.5M. Latency is then timed from each request's scheduled send (coordinated omission corrected). At least one per thread. (default: unlimited, each connection sends when its last response arrives)",
        valueName: "rate"),
        transform: RateValue.init(parsing:))
    public var rate: RateValue?

    /// The rate schedule's quantum.
    @Option(name: .customLong("send-window"), parsing: .unconditional, help: ArgumentHelp(
        "With --rate: requests scheduled within the same window of this length, like 1ms or 200us, are all due at the window's start and go out together (wrk2 sends in 1 ms ticks). Latency and send lag are still timed from the scheduled send, now the window's start, so coordinated omission stays corrected; the server sees the rate as a burst per window, and both sides pay one wake-up per burst instead of one per request. At most 1s; 0 sends each request at its own time. (default: 0)",
        valueName: "time"),
        transform: DurationValue.init(parsing:))
    public var sendWindow = DurationValue(.zero)

    /// Per-request timeout.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "How long a connect or a request may take before it counts as a timeout error, like 500ms or 2s; 0 waits forever. (default: 2s)",
        valueName: "time"),
        transform: DurationValue.init(parsing:))
    public var timeout = DurationValue(.seconds(2))

    /// Extra header lines.
    @Option(name: [.customShort("H"), .long], help: ArgumentHelp(
        "A request header as \"Name: value\"; repeat for more. A Host header replaces the one taken from the URL. Example: -H \"Accept: text/html\"",
        valueName: "header"))
    public var header: [String] = []

    /// The request method.
    @Option(help: ArgumentHelp("The request method, like GET, POST or PUT.", valueName: "method"))
    public var method = "GET"

    /// Bytes of body per request.
    @Option(name: .customLong("body-size"), parsing: .unconditional, help: ArgumentHelp(
        "Bytes of request body sent with each request, like 512, 1k (1024) or 4m, at most 256m; 0 sends none. Usually with --method POST or PUT. (default: 0)",
        valueName: "size"),
        transform: ByteCount.init(parsing:))
    public var bodySize = ByteCount(0)

    /// One connection per request.
    @Flag(name: .customLong("close"), help: "Open a new connection for every request (sends \"Connection: close\"), to measure connection setup; by default connections are kept alive.")
    public var closeEachRequest = false

    /// Local addresses to connect from.
    @Option(help: ArgumentHelp(
        "Local addresses to connect from, used in turn per connection: a range like 127.0.0.2-127.0.0.9 or a list like 10.0.0.5,10.0.0.6,fd00::5. Each address gives one ephemeral port range of connections. (default: chosen by the kernel)",
        valueName: "addresses"),
        transform: SourceAddresses.init(parsing:))
    public var source: SourceAddresses?

    /// Skip certificate verification.
    @Flag(help: "With https, accept any server certificate and host name (for self-signed test servers).")
    public var insecure = false

    /// wrk's `--latency`, accepted so that wrk command lines run unchanged.
    @Flag(help: "Accepted for wrk compatibility and ignored: the latency distribution is always printed.")
    public var latency = false

    /// JSON output.
    @Flag(help: "Print the result as one JSON object on stdout instead of the text summary.")
    public var json = false

    /// Interval reports.
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Also report every interval, like 1s or 500ms, at most --duration: a line per interval, or an \"intervals\" array with --json. (default: off)",
        valueName: "time"),
        transform: DurationValue.init(parsing:))
    public var interval: DurationValue?

    /// HdrHistogram log file.
    @Option(help: ArgumentHelp(
        "Write the latency histograms (microseconds) to this file in the HdrHistogram interval log format: one line per --interval, or one for the whole run.",
        valueName: "file"))
    public var hlog: String?

    /// Options with every default; for `parse(_:)` and tests.
    public init() {}

    /// Checks every option against each other and this host's limits.
    public mutating func validate() throws {
        _ = try plan(limits: .current)
    }
}
