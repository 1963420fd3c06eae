/// The qemu cloud could not stage or check something: what it was doing, why, and what to do.
/// The same shape as the local cloud's errors (both stage on this machine), so one type.
public typealias QemuCloudError = LocalCloudError
