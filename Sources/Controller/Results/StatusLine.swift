import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The bottom line of a terminal, redrawn in place (progress bars), with ordinary lines
/// scrolling above it. When the output is not a terminal nothing is ever drawn in place: the
/// caller prints lines instead, and logs and CI captures stay line by line.
///
/// Every line written to that output must go through `print(_:)`, so that a line is never
/// glued to the end of a half-drawn bar; `ConsoleReport.standardOutput` does so.
public final class StatusLine: Sendable {
    /// Whether the output is a terminal that can redraw a line.
    public let isTerminal: Bool
    private let write: @Sendable (String) -> Void
    private let columns: @Sendable () -> Int
    /// The status drawn now (nil: none); the lock also keeps writes whole.
    private let shown = Mutex<String?>(nil)

    /// ANSI "erase to end of line".
    static let eraseLine = "\u{1B}[K"

    /// A status line over `write`, `columns()` characters wide.
    public init(isTerminal: Bool, columns: @escaping @Sendable () -> Int, write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.columns = columns
        self.write = write
    }

    /// Standard output; a terminal unless it is redirected or `TERM` is `dumb`.
    public static let standardOutput = StatusLine(
        isTerminal: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb",
        columns: { terminalColumns(STDOUT_FILENO) },
        write: { ConsoleStream.out($0) })

    /// Standard error, likewise (progress of commands whose standard output is their result).
    public static let standardError = StatusLine(
        isTerminal: isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb",
        columns: { terminalColumns(STDERR_FILENO) },
        write: { ConsoleStream.err($0) })

    /// The terminal's width now (it may be resized while a bar is shown).
    public var width: Int { columns() }

    /// Prints `line` (no trailing newline) above the status, which is drawn again below it.
    public func print(_ line: String) {
        shown.withLock { status in
            guard let status else { return write(line + "\n") }
            write("\r" + line + Self.eraseLine + "\n" + status + Self.eraseLine)
        }
    }

    /// Draws `text` as the status, replacing the one shown; ignored when not a terminal.
    public func show(_ text: String) {
        guard isTerminal else { return }
        shown.withLock { status in
            status = text
            write("\r" + text + Self.eraseLine)
        }
    }

    /// Leaves the status shown as an ordinary line (a bar's final state) and ends it.
    public func finish() {
        shown.withLock { status in
            guard status != nil else { return }
            write("\n")
            status = nil
        }
    }

    /// Erases the status and ends it.
    public func clear() {
        shown.withLock { status in
            guard status != nil else { return }
            write("\r" + Self.eraseLine)
            status = nil
        }
    }

    /// The width of the terminal on `descriptor`: its window size, else `$COLUMNS`, else 80.
    static func terminalColumns(_ descriptor: Int32) -> Int {
        var size = winsize()
        if ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return 80
    }
}
