import ArgumentParser
import Foundation

/// `kloudbuster config`: look at and check configurations before a run stages anything.
public struct ConfigCommand: AsyncParsableCommand {
    /// The command's name, help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration or check configuration files.",
        discussion: """
            A run's configuration is the built-in default with your YAML files merged over it, \
            later files winning. Mappings merge key by key, so a file needs only the keys it \
            changes; a scalar or a list replaces the default's value whole.

            The default is compiled into kloudbuster and uses KloudBuster 8's keys \
            (cfg.scale.yaml), so KloudBuster files load unchanged; its values make a quick \
            local run (2 servers, 2 clients, 10 s). The main sections:
              server.*                    number_tenants, routers_per_tenant,
                                          networks_per_router, vms_per_network
              client.http_tool_configs.*  threads, connections, rate_limit, timeout,
                                          connection_type, report_interval, duration
              client.progression.*        enabled, vm_start, vm_multiple, http_stop_limit
              result.*                    json_file, html_file, hlog_file, label
            Durations (timeout, report_interval, duration, ...) are seconds (30, 1.5) or \
            500ms, 30s, 2m, 1h, as on the command line. Keys for OpenStack only (flavors, \
            floating IPs, availability zones, images) are accepted on the local cloud and \
            reported as notes, as are KloudBuster 8 keys this build does not act on \
            (multicast, storage, proxy, polling). Keys of features this build lacks \
            (client.prompt_before_run, tsdb) are errors unless left at \
            their default.

            Start a file from `kloudbuster config show > my.yaml` (the commented default), \
            keep the keys you change, and check it with `kloudbuster config validate \
            my.yaml`; validate also checks that the topology fits the --cloud, as run does.
            """,
        subcommands: [ConfigShowCommand.self, ConfigValidateCommand.self])

    /// Creates the command; ArgumentParser fills it in.
    public init() {}

    /// Writes diagnostics to standard error, where they stay out of piped YAML.
    static func printError(_ line: String) {
        ConsoleStream.err(line + "\n")
    }
}

extension Configuration.Cloud: ExpressibleByArgument {}
