#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard output or error that never stop the program: `FileHandle.write` traps on
/// EPIPE, so a console reader that went away (`kloudbuster run | head`, a closed terminal)
/// would kill a run before it deletes what it staged. A write that fails is dropped.
public enum ConsoleStream {
    /// Standard output.
    public static func out(_ text: String) { write(text, to: STDOUT_FILENO) }
    /// Standard error.
    public static func err(_ text: String) { write(text, to: STDERR_FILENO) }

    static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }
}
