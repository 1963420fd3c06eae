import Logging
import Proto

/// `kb-agent swarm`: many agents of one run in one process, over one `SwarmLink`, each with its
/// own CURVE key and connections (a load driver for the controller, as wrk is for nginx). The
/// members are `SwarmMember`s; this actor feeds them frames and clock ticks and sends what they
/// say. It returns when every member has been sent Abort, and throws when no member was
/// welcomed within the join timeout or the controller fell silent.
public actor Swarm {
    /// Timings; the defaults are the protocol's.
    public struct Options: Sendable {
        /// Give up when a member has no Welcome after this long.
        public var joinTimeout: Duration = .seconds(60)
        /// Exit when nothing came from the controller for this long, once every member joined.
        public var controllerSilenceLimit: Duration = .seconds(30)
        /// How often members' clocks are looked at: reports leave at most this late.
        public var tick: Duration = .milliseconds(20)
        /// The protocol's timings.
        public init() {}
    }

    private let link: SwarmLink
    private var members: [SwarmMember]
    private let samples: SwarmSamples
    private let options: Options
    private let logger: Logger
    private var lost = 0
    /// For each client member, its server's member index when this process plays it too
    /// (`<run>-cli-<n>` loads `<run>-srv-<n>`), so the server's counters match its client's.
    private let peers: [Int?]

    /// A swarm of `userData` (one per member, in the link's member order) over `link`.
    public init(userData: [UserData], link: SwarmLink, samples: SwarmSamples, options: Options = Options(), logger: Logger) {
        let now = ContinuousClock.now
        members = userData.map { SwarmMember(userData: $0, now: now) }
        var servers: [Int: Int] = [:]
        for (index, member) in userData.enumerated() where member.role == .httpServer {
            servers[SwarmMember.number(of: member.agentID)] = index
        }
        peers = userData.map { $0.role == .httpClient ? servers[SwarmMember.number(of: $0.agentID)] : nil }
        self.link = link
        self.samples = samples
        self.options = options
        self.logger = logger
    }

    /// The link's members, one per user data.
    public static func linkMembers(_ userData: [UserData]) -> [SwarmLink.Member] {
        userData.map {
            SwarmLink.Member(
                pubEndpoint: $0.pubEndpoint, routerEndpoint: $0.routerEndpoint, serverPublicKey: $0.serverPublicKey,
                keys: $0.keys, identity: Array($0.agentID.utf8), topics: $0.topics)
        }
    }

    /// Plays every member until all are aborted.
    public func run() async throws {
        logger.info("swarm of \(members.count) agents of run \(members[0].userData.runID), \(samples.samples) samples per interval")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.receive() }
            group.addTask { try await self.ticks() }
            try await group.next()
            group.cancelAll()
        }
        // Let the last acks and reports leave before the link closes.
        try? await Task.sleep(for: .milliseconds(300))
        link.close()
        logger.info("stopped; link \(link.counters), \(lost) frames not queued")
    }

    private func receive() async {
        for await item in link.incoming {
            let out = members[item.member].frame(item.frame, now: .now, samples: samples)
            send(out, from: item.member)
            if members.allSatisfy(\.aborted) { return }
        }
    }

    private func ticks() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        var next = started
        while true {
            next = next.advanced(by: options.tick)
            try await Task.sleep(until: next, clock: clock)
            let now = clock.now
            if now - next > options.tick * 5 { next = now }
            var joined = 0
            var heard = started
            for index in members.indices {
                send(members[index].tick(now: now, samples: samples), from: index)
                if members[index].welcomed { joined += 1 }
                heard = max(heard, members[index].lastHeard)
            }
            if joined < members.count, now - started > options.joinTimeout {
                throw SwarmError("\(members.count - joined) of \(members.count) agents had no Welcome after \(options.joinTimeout): is the controller at \(members[0].userData.routerEndpoint) running this run, with these keys admitted?")
            }
            if joined == members.count, now - heard > options.controllerSilenceLimit {
                throw SwarmError("the controller has been silent for \(now - heard): it died or cannot be reached")
            }
        }
    }

    private func send(_ bodies: [Kb_V1_Envelope.OneOf_Body], from member: Int) {
        for body in bodies {
            if case .intervalReport(let report) = body, let server = peers[member] { members[server].serve(report.requests) }
            do {
                try link.send(members[member].encode(body), from: member)
            } catch {
                lost += 1
                if lost & (lost - 1) == 0 { logger.warning("cannot queue a frame (\(lost) so far): \(error)") }
            }
        }
    }
}

/// Why a swarm stopped.
public struct SwarmError: Error, CustomStringConvertible {
    /// What happened and what to check.
    public let description: String
    init(_ description: String) { self.description = description }
}
