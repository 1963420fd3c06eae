#if canImport(Glibc)
import Glibc
#endif

/// Writing to stdout and stderr from any thread without touching C's `stdout`/`stderr`
/// globals, which Swift 6 rightly flags as shared mutable state.
public enum StandardStreams {
    /// Flushes buffered output (`print` buffers stdout when it is a file or a pipe), so that
    /// interval lines appear while the load runs.
    public static func flushOutput() {
        fflush(nil)
    }

    /// Writes `line` and a newline to stderr in one write(2), unbuffered.
    public static func writeError(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // stderr is gone; there is nowhere left to complain
            }
        }
    }
}
