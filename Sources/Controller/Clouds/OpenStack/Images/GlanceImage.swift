/// An image as Glance v2 describes it, reduced to what uploading and finding the agent image
/// need.
public struct GlanceImage: Sendable, Equatable {
    /// Its id.
    public var id: String
    /// Its name (not unique in Glance).
    public var name: String
    /// `queued`, `saving`, `active`, `killed`, `deleted`, `importing`, ...
    public var status: String
    /// `public`, `community`, `shared` or `private`.
    public var visibility: String
    /// The owning project's id.
    public var owner: String?
    /// Bytes stored; nil before data was uploaded.
    public var size: UInt64?
    /// `disk_format`.
    public var diskFormat: String?
    /// The MD5 of the data (`checksum`); nil before data was uploaded.
    public var checksum: String?
    /// The algorithm of `hashValue` (`os_hash_algo`, usually sha512).
    public var hashAlgorithm: String?
    /// The multihash (`os_hash_value`).
    public var hashValue: String?

    /// An image from Glance's JSON; nil without an id.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.string else { return nil }
        self.id = id
        name = json["name"]?.string ?? ""
        status = json["status"]?.string ?? ""
        visibility = json["visibility"]?.string ?? "public"
        owner = json["owner"]?.string
        size = json["size"]?.int.flatMap { $0 >= 0 ? UInt64($0) : nil }
        diskFormat = json["disk_format"]?.string
        checksum = json["checksum"]?.string?.lowercased()
        hashAlgorithm = json["os_hash_algo"]?.string?.lowercased()
        hashValue = json["os_hash_value"]?.string?.lowercased()
    }

    /// An image given field by field (tests).
    public init(id: String, name: String, status: String, visibility: String = "community", owner: String? = nil,
                size: UInt64? = nil, checksum: String? = nil, hashAlgorithm: String? = nil, hashValue: String? = nil) {
        self.id = id
        self.name = name
        self.status = status
        self.visibility = visibility
        self.owner = owner
        self.size = size
        self.checksum = checksum
        self.hashAlgorithm = hashAlgorithm
        self.hashValue = hashValue
    }

    /// Whether project `projectID` can boot it: public, community and shared images, and its
    /// own. (An admin's listing also shows other projects' private images.)
    public func isUsable(by projectID: String?) -> Bool {
        ["public", "community", "shared"].contains(visibility) || (owner != nil && owner == projectID)
    }

    /// Whether its data is the file's: by its multihash when `digests` has that algorithm, else
    /// by MD5; nil when it has neither (no data yet), or its algorithm was not computed and it
    /// has no MD5.
    public func holdsSameData(as digests: FileDigests, size fileSize: UInt64) -> Bool? {
        if let size, size != fileSize { return false }
        if let hashAlgorithm, let hashValue, let local = digests[hashAlgorithm] { return hashValue == local }
        if let checksum, let local = digests.md5 { return checksum == local }
        return nil
    }

    /// `ID (active, community, 245.3 MB, md5 0123abcd…)` for messages.
    public var summary: String {
        var parts = [status, visibility]
        if let size { parts.append(ByteText.size(size)) }
        if let checksum { parts.append("md5 \(checksum)") }
        return "\(id) (\(parts.joined(separator: ", ")))"
    }
}
