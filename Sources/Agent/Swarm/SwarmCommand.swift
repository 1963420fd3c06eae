import ArgumentParser
import Logging
import Proto

/// `kb-agent swarm --userdata FILE`: play many agents of one run in this process, to measure
/// the controller (`kloudbuster run --swarm` starts these; bench/controller-scale.sh drives it).
public struct SwarmCommand: AsyncParsableCommand {
    /// The command's name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Play many agents of a run in one process, with synthetic reports, to load the controller.",
        discussion: """
            FILE holds one user data JSON object per line, as `kb-agent run --userdata` reads one. Every member joins over its own ZeroMQ connections with its own CURVE key, acknowledges and answers commands as a real agent does, and sends interval reports whose histograms hold --samples invented latencies. Nothing is served or loaded: the figures of such a run measure the controller, not a cloud.

            A process holds at most 4,000 members (four descriptors each; a process may open 20,000 here).

            Exit status: 0 after Abort, 2 for bad user data or options, 1 when members were not welcomed or the controller fell silent.
            """)

    /// The JSON lines file.
    @Option(help: ArgumentHelp("User data, one JSON object per line (it holds secret keys: keep it 0600).", valueName: "file"))
    public var userdata: String
    /// Values per interval histogram.
    @Option(help: "Latencies in each member's interval histogram (also its requests per interval).")
    public var samples = 2_000
    /// How long to wait for the Welcomes.
    @Option(help: "Give up (exit 1) when a member has no Welcome after this long.")
    public var joinTimeout = DurationValue(.seconds(60))

    /// For ArgumentParser.
    public init() {}

    /// The most members one process takes.
    public static let maxMembers = 4_000

    /// Checks the options and every line of the file.
    public func validate() throws {
        guard (1...1_000_000).contains(samples) else {
            throw ValidationError("--samples: must be 1 to 1000000, got \(samples)")
        }
        let members = try userData()
        guard members.count <= Self.maxMembers else {
            throw ValidationError("\(userdata): \(members.count) members; one process takes at most \(Self.maxMembers), split the file")
        }
    }

    /// The members' user data, one per non-empty line.
    public func userData() throws -> [UserData] {
        let bytes: [UInt8]
        do {
            bytes = try PlainFile.read(userdata)
        } catch {
            throw ValidationError("\(userdata): cannot be read (\(PlainFile.words(for: error.code, operation: error.operation)))")
        }
        var members: [UserData] = []
        for (number, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() where !line.isEmpty {
            let source = "\(userdata) line \(number + 1)"
            do {
                members.append(try UserData(try UserData.fields(json: Array(line), source: source), source: source))
            } catch {
                throw ValidationError("\(error)")
            }
        }
        guard !members.isEmpty else { throw ValidationError("\(userdata): no user data; give one JSON object per line") }
        return members
    }

    /// Joins every member and plays them until Abort.
    public func run() async throws {
        let members = try userData()
        var logger = Logger(label: "kb-agent") { StreamLogHandler.standardError(label: $0) }
        logger[metadataKey: "swarm"] = "\(members.count)"
        let link = try SwarmLink(members: Swarm.linkMembers(members))
        var options = Swarm.Options()
        options.joinTimeout = joinTimeout.duration
        let swarm = Swarm(userData: members, link: link, samples: SwarmSamples(samples: samples), options: options, logger: logger)
        do {
            try await swarm.run()
        } catch let error as SwarmError {
            link.close()
            logger.error("\(error.description)")
            throw ExitCode(1)
        }
    }
}
