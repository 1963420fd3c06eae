/// Who may see and boot a Glance image.
public enum ImageVisibility: String, Sendable, CaseIterable {
    /// The owning project only.
    case `private`
    /// The owner and the projects it was shared with (members must be added and accept).
    case shared
    /// Every project can boot it; it is not listed in other projects' default image lists.
    case community
    /// Every project sees and boots it; creating one needs the admin role by default.
    case `public`

    /// Whether projects other than the owner can boot it without further steps: what the
    /// projects `kloudbuster run` creates need.
    public var isBootableByNewProjects: Bool { self == .community || self == .public }
}
