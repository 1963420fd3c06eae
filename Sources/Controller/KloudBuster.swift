/// Facts about this build of KloudBuster that every part reports the same way.
public enum KloudBuster {
    /// The version printed by `--version` and written into results.
    public static let version = "0.1.0"
}
