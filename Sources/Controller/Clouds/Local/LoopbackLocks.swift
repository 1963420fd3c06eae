#if canImport(Glibc)
import Glibc
#endif

/// Machine-wide claims on second octets of 127.x.y.z, so that local runs of *different* state
/// directories never take the same addresses either: the state store's leases cannot see each
/// other, and a bind probe cannot see a run whose nginx has not started yet.
///
/// A claim is an exclusive `flock` on `/tmp/kloudbuster-loopback/<octet>.lock`, held for the
/// controller's life (agents do not inherit it: they get no descriptor beyond stdio). The
/// kernel drops it when the controller exits, even by SIGKILL; the agents a killed controller
/// leaves behind still listen, which the bind probe sees.
public final class LoopbackLocks: Sendable {
    /// The folder of the lock files.
    public static let folder = "/tmp/kloudbuster-loopback"

    private let descriptors: [Int32]

    private init(descriptors: [Int32]) {
        self.descriptors = descriptors
    }

    deinit {
        for fd in descriptors { close(fd) }
    }

    /// Claims every octet of `octets`, or none (nil) when another controller holds one.
    public static func claim(_ octets: ClosedRange<Int>) -> LoopbackLocks? {
        mkdir(folder, 0o1777)
        var held: [Int32] = []
        for octet in octets {
            let fd = open("\(folder)/\(octet).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
            guard fd >= 0 else { break }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                close(fd)
                break
            }
            held.append(fd)
        }
        guard held.count == octets.count else {
            for fd in held { close(fd) }
            return nil
        }
        return LoopbackLocks(descriptors: held)
    }

    /// The claims held for the life of this process (a run claims once).
    nonisolated(unsafe) private static var kept: [LoopbackLocks] = []

    /// Keeps `locks` until the process exits.
    public static func keep(_ locks: LoopbackLocks) {
        // Written once per run, from the run command before anything runs concurrently.
        kept.append(locks)
    }
}
