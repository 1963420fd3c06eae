import ArgumentParser
import Foundation

/// `kloudbuster token`: the bearer tokens of `kloudbuster serve`.
public struct TokenCommand: ParsableCommand {
    /// The name, summary and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke the bearer tokens of `kloudbuster serve`.",
        discussion: """
            A token has one role: viewer (read runs, results, events, metrics; validate configurations) or operator (also start, stop and abort runs, and clean up). The server keeps only each token's SHA-256 in the state database, so a token is shown once, when it is created. Send it as `Authorization: Bearer <token>`; the web UI asks for it at login.

            Examples:
              kloudbuster token create --role operator --name ci
              kloudbuster token list
              kloudbuster token revoke tok-1a2b3c4d
            """,
        subcommands: [TokenCreateCommand.self, TokenListCommand.self, TokenRevokeCommand.self])

    /// For ArgumentParser.
    public init() {}
}

extension APIRole: ExpressibleByArgument {}

/// `kloudbuster token create`.
public struct TokenCreateCommand: ParsableCommand {
    /// The name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create a token and print it (once; it is not stored).")

    /// The role.
    @Option(help: ArgumentHelp("viewer (read) or operator (read, start, stop, abort, clean up).", valueName: "role"))
    public var role: APIRole

    /// The name.
    @Option(help: ArgumentHelp("A name that says who holds it (shown in `token list` and in the audit table).", valueName: "name"))
    public var name = "unnamed"

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Creates and prints the token.
    public func run() throws {
        let (token, secret) = try state.openStore().createToken(role: role, name: name)
        print(secret)
        ConfigCommand.printError("created \(token.id) (\(token.role.rawValue), \"\(token.name)\"); the token above is shown only now: keep it")
    }
}

/// `kloudbuster token list`.
public struct TokenListCommand: ParsableCommand {
    /// The name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the tokens (id, role, name, created, revoked), never their secrets.")

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Prints one line per token.
    public func run() throws {
        guard let store = try state.openExistingStore() else {
            print("no tokens (no state database in \(state.directory().path))")
            return
        }
        let tokens = try store.tokens()
        guard !tokens.isEmpty else {
            print("no tokens; create one with `kloudbuster token create --role viewer|operator`")
            return
        }
        let format = ISO8601DateFormatter()
        for token in tokens {
            let revoked = token.revokedAt.map { "  revoked \(format.string(from: $0))" } ?? ""
            print("\(token.id)  \(token.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  \(format.string(from: token.createdAt))  \(token.name)\(revoked)")
        }
    }
}

/// `kloudbuster token revoke`.
public struct TokenRevokeCommand: ParsableCommand {
    /// The name and summary.
    public static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a token: the server refuses it from its next request on.")

    /// The token id.
    @Argument(help: ArgumentHelp("The token's id (tok-..., from `kloudbuster token list`).", valueName: "id"))
    public var id: String

    /// Where the state database is.
    @OptionGroup public var state: StateOptions

    /// For ArgumentParser.
    public init() {}

    /// Revokes it.
    public func run() throws {
        guard let store = try state.openExistingStore(), try store.revokeToken(id: id) else {
            throw ValidationError("no live token \(id); `kloudbuster token list` lists them")
        }
        print("revoked \(id)")
    }
}
