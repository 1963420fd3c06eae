import ArgumentParser
import Foundation

/// `kloudbuster runs list|show`: what the state database knows about past and current runs.
public struct RunsCommand: AsyncParsableCommand {
    /// The command's name and its subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, or show one run's resources and result.",
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self)

    /// For ArgumentParser.
    public init() {}

    /// `kloudbuster runs list`: one line per run, newest first.
    public struct List: AsyncParsableCommand {
        /// The subcommand's name and summary.
        public static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List runs: id, label, cloud, status, start, duration and live resources.",
            discussion: "A run whose controller died shows as interrupted; clean it up with `kloudbuster cleanup --run ID`.")

        /// Where the state database is.
        @OptionGroup public var state: StateOptions

        /// For ArgumentParser.
        public init() {}

        /// Prints the table.
        public func run() async throws {
            print(try render(), terminator: "")
        }

        /// The table, one line per run (or a sentence when there are none).
        func render(now: Date = Date()) throws -> String {
            guard let store = try state.openExistingStore() else {
                return "No runs: \(state.directory().path) holds no state database.\n"
            }
            let ledger = Ledger(store: store)
            let runs = try ledger.runs()
            guard !runs.isEmpty else { return "No runs in \(state.directory().path).\n" }
            let live = try ledger.liveResourceCounts()
            let rows = runs.map { run in
                [
                    run.id, run.label ?? "-", run.cloud, run.effectiveStatus.rawValue,
                    TextTable.timestamp(run.startedAt), TextTable.duration(of: run, now: now),
                    String(live[run.id] ?? 0),
                ]
            }
            return TextTable.render(header: ["ID", "LABEL", "CLOUD", "STATUS", "STARTED", "DURATION", "LIVE"], rows: rows)
        }
    }

    /// `kloudbuster runs show ID`: the run, its resources and its result.
    public struct Show: AsyncParsableCommand {
        /// The subcommand's name and summary.
        public static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show a run: its status, every resource it recorded with its state, and its result JSON.")

        /// Where the state database is.
        @OptionGroup public var state: StateOptions

        /// The run to show.
        @Argument(help: ArgumentHelp("The run id (see `kloudbuster runs list`).", valueName: "id"))
        public var runID: String

        /// Also print the configuration.
        @Flag(help: "Also print the configuration (YAML) the run was started with.")
        public var config = false

        /// For ArgumentParser.
        public init() {}

        /// Checks that the run exists; the error lists the runs that do.
        public func validate() throws {
            let ledger = try state.openExistingStore().map(Ledger.init(store:))
            guard try ledger?.run(id: runID) != nil else { throw state.unknownRun(runID, ledger: ledger) }
        }

        /// Prints the run.
        public func run() async throws {
            print(try render(), terminator: "")
        }

        /// The run, its resources and its result, as printed.
        func render(now: Date = Date()) throws -> String {
            guard let store = try state.openExistingStore() else { throw state.unknownRun(runID, ledger: nil) }
            let ledger = Ledger(store: store)
            guard let run = try ledger.run(id: runID) else { throw state.unknownRun(runID, ledger: ledger) }
            var text = "Run \(run.id)\n"
            var status = run.effectiveStatus.rawValue
            if run.effectiveStatus != run.status {
                status += " (recorded \(run.status.rawValue), but controller pid \(run.controllerPID) is gone)"
            } else if run.status.isActive {
                status += " (controller pid \(run.controllerPID))"
            }
            let fields: [(String, String)] = [
                ("label", run.label ?? "-"), ("cloud", run.cloud), ("status", status),
                ("started", TextTable.timestamp(run.startedAt)),
                ("ended", run.endedAt.map(TextTable.timestamp) ?? "-"),
                ("duration", TextTable.duration(of: run, now: now)),
                ("files", store.directory.appendingPathComponent("runs/\(run.id)").path),
            ]
            for (key, value) in fields { text += "  \(key): \(value)\n" }

            let resources = try ledger.resources(run: run.id)
            let liveCount = resources.filter { ResourceState.live.contains($0.state) }.count
            text += "\nResources (\(resources.count), \(liveCount) live):\n"
            if resources.isEmpty {
                text += "  none\n"
            } else {
                let rows = resources.map { r in
                    [
                        String(r.id.rawValue), r.kind.rawValue, r.name, r.state.rawValue,
                        r.parentID.map { String($0.rawValue) } ?? "-", r.pid.map(String.init) ?? "-",
                        r.address ?? "-", r.externalID ?? "-", r.error ?? "",
                    ]
                }
                text += TextTable.render(
                    header: ["ID", "KIND", "NAME", "STATE", "PARENT", "PID", "ADDRESS", "EXTERNAL ID", "NOTE"],
                    rows: rows, indent: "  ")
            }
            text += "\nResult:\n"
            text += run.resultJSON.map { $0.hasSuffix("\n") ? $0 : $0 + "\n" } ?? "  none stored\n"
            if config {
                text += "\nConfiguration:\n" + (run.configYAML.hasSuffix("\n") ? run.configYAML : run.configYAML + "\n")
            }
            return text
        }
    }
}

/// Fixed-width text tables and the time formats of `runs`.
enum TextTable {
    /// Columns padded to their widest cell, two spaces apart; trailing spaces trimmed.
    static func render(header: [String], rows: [[String]], indent: String = "") -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { column, cell in
                cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            let line = indent + cells.joined(separator: "  ")
            return String(line.reversed().drop { $0 == " " }.reversed()) + "\n"
        }.joined()
    }

    /// `2026-11-22 08:36:05` in local time.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// How long the run took (`1h02m`, `3m05s`, `42s`); a run still going shows its time so
    /// far with a `+`, and one whose controller died without an end shows `-`.
    static func duration(of run: RunRecord, now: Date) -> String {
        if let ended = run.endedAt { return format(ended.timeIntervalSince(run.startedAt)) }
        guard run.status.isActive, run.liveController != nil else { return "-" }
        return format(now.timeIntervalSince(run.startedAt)) + "+"
    }

    static func format(_ seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded()))
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h)h\(two(m))m" }
        if m > 0 { return "\(m)m\(two(s))s" }
        return "\(s)s"
    }
}
