import ArgumentParser
import Controller
import Foundation
import Logging

/// `kloudbuster serve`: the REST API, the event streams and the web UI.
public struct ServeCommand: AsyncParsableCommand {
    /// The name, help and examples.
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the REST API (docs/openapi.yaml) and the web UI: start, watch, stop and compare runs from a browser or a program.",
        discussion: """
            Listens on 127.0.0.1:8080 unless --host/--port say otherwise; binding another address exposes the API to that network, so create tokens first and give --tls-cert and --tls-key (PEM files), or the tokens cross that network in clear text. Every /v1 route needs a bearer token (`kloudbuster token create --role viewer|operator`): viewers read, operators also start, stop and abort runs. Every state-changing request is written to the audit table. Runs started here are staged, run, reported and cleaned up exactly as `kloudbuster run` does, in the same state database (`kloudbuster runs list` shows them).

            SIGINT or SIGTERM stops the server gracefully: its running runs are stopped, write their results and clean up first.

            Examples:
              kloudbuster token create --role operator --name me
              kloudbuster serve
              kloudbuster serve --port 9000
              kloudbuster serve --host 10.0.0.5 --tls-cert /etc/kloudbuster/cert.pem --tls-key /etc/kloudbuster/key.pem
              curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8080/v1/runs
            """)

    /// The address.
    @Option(help: ArgumentHelp("The address to listen on.", valueName: "ip"))
    public var host = "127.0.0.1"

    /// The port.
    @Option(help: ArgumentHelp("The port to listen on (0: any free port; the server prints which).", valueName: "port"))
    public var port = 8080

    /// The HTTPS certificate.
    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate (chain: the server's first); needs --tls-key.", valueName: "file"))
    public var tlsCert: String?

    /// The HTTPS key.
    @Option(help: ArgumentHelp("The unencrypted PEM private key of --tls-cert.", valueName: "file"))
    public var tlsKey: String?

    /// The agent binary.
    @Option(help: ArgumentHelp("The kb-agent executable of local runs (default: $KB_AGENT_BINARY, else next to kloudbuster).", valueName: "path"))
    public var agentBinary: String?

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Checks the address and port before anything is opened.
    public func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535 (got \(port))") }
        if let problem = ControllerAddress.problem(with: host, option: "--host") { throw problem }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError(tlsCert == nil ? "--tls-key needs --tls-cert (the certificate it belongs to)" : "--tls-cert needs --tls-key (its private key)")
        }
    }

    /// Whether `host` is a loopback address (127.0.0.0/8 or ::1).
    static func isLoopback(_ host: String) -> Bool { host.hasPrefix("127.") || host == "::1" || host == "localhost" }

    /// Serves until SIGINT or SIGTERM.
    public func run() async throws {
        var settings = KloudBusterServer.Settings()
        settings.host = host
        settings.port = port
        settings.agentBinary = agentBinary
        if let tlsCert, let tlsKey {
            do { settings.tls = try ServerTLS(certificateFile: tlsCert, keyFile: tlsKey) } catch let error as ServerTLSError {
                throw ValidationError(error.description)
            }
        } else if !Self.isLoopback(host) {
            ConsoleStream.err("warning: serving plain HTTP on \(host): tokens cross the network in clear text; give --tls-cert and --tls-key\n")
        }
        var logger = Logger(label: "kloudbuster.serve")
        logger.logLevel = .notice
        let store = try state.openStore()
        if try store.tokens().allSatisfy({ $0.revokedAt != nil }) {
            ConsoleStream.err("note: no live token: create one with `kloudbuster token create --role operator`\n")
        }
        try await KloudBusterServer(settings: settings, store: store, logger: logger).run { address in
            // Unbuffered: a supervisor or a test reads the address as soon as it is bound.
            ConsoleStream.out("listening on \(address) (state \(store.directory.path))\n")
        }
    }
}
