/// Byte counts and rates as people read them: `245.3 MiB`, `12.0 MiB/s`.
///
/// Binary units, as `qemu-img info` and `ls -lh` print image sizes.
public enum ByteText {
    /// `512 B`, `1.5 KiB`, `245.3 MiB`, `2.1 GiB`.
    public static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : ConsoleReport.number(value, decimals: 1) + " " + units[unit]
    }

    /// `size` per second.
    public static func rate(_ bytesPerSecond: Double) -> String {
        size(UInt64(max(0, bytesPerSecond).rounded())) + "/s"
    }
}
