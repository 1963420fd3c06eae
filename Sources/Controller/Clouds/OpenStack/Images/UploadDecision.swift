/// What `kloudbuster image upload` does about the images that already carry the name, decided
/// from what Glance lists and the file's digests alone (no I/O, so every case is tested
/// without a cloud).
public enum UploadDecision: Sendable, Equatable {
    /// An active image holds the file's data already: nothing is uploaded. `others` are the
    /// rest of the images with the name (duplicates, older versions): `--force` deletes them.
    case present(GlanceImage, others: [GlanceImage])
    /// Images with the name hold other data (or none yet), and `--force` was not given.
    case refuse(conflicting: [GlanceImage])
    /// Upload a new image; once it is active and checked, delete `replacing`.
    case upload(replacing: [GlanceImage])

    /// The decision for `existing` (the images of the name the uploader's project can boot)
    /// and a file of `size` bytes with `digests`.
    ///
    /// Of several images with the file's data, the one with the wanted visibility is kept.
    public init(existing: [GlanceImage], digests: FileDigests, size: UInt64, visibility: ImageVisibility, force: Bool) {
        let matches = existing.filter { $0.status == "active" && $0.holdsSameData(as: digests, size: size) == true }
        if let match = matches.first(where: { $0.visibility == visibility.rawValue }) ?? matches.first {
            self = .present(match, others: existing.filter { $0.id != match.id })
        } else if existing.isEmpty || force {
            self = .upload(replacing: existing)
        } else {
            self = .refuse(conflicting: existing)
        }
    }
}
