import Synchronization

/// The client public keys the controller admits. `admit`/`revoke` come from any thread; the
/// ZAP handler on the link's thread asks `contains` during each handshake.
final class AdmissionList: Sendable {
    private let keys = Mutex<Set<String>>([])

    func admit(_ key: String) { _ = keys.withLock { $0.insert(key) } }

    func revoke(_ key: String) { _ = keys.withLock { $0.remove(key) } }

    func contains(_ key: String) -> Bool { keys.withLock { $0.contains(key) } }
}
