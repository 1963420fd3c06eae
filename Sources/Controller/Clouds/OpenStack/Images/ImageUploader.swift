import Foundation

/// Uploads a VM image file to Glance as an operator expects it done: the file's digests first,
/// nothing uploaded when the same data is already there, no silent replacement of other data,
/// the file streamed with progress, the result checked against Glance's own digests, and no
/// half-made image left behind by a failure or Ctrl-C.
public struct ImageUploader: Sendable {
    /// What to upload and how.
    public struct Request: Sendable {
        /// The checked file.
        public var file: ImageFile
        /// The image name.
        public var name: String
        /// The disk format.
        public var diskFormat: DiskFormat
        /// The visibility of a new image (and of an existing one with the same data).
        public var visibility: ImageVisibility
        /// Replace images of the name that hold other data.
        public var force: Bool
        /// How long the image may take to become active once its data is sent.
        public var activeTimeout: Duration
        /// The most bytes a second to send; nil for no limit.
        public var maxBytesPerSecond: UInt64?

        /// A request for `file` as image `name`.
        public init(file: ImageFile, name: String, diskFormat: DiskFormat, visibility: ImageVisibility, force: Bool = false,
                    activeTimeout: Duration = .seconds(300), maxBytesPerSecond: UInt64? = nil) {
            self.file = file
            self.name = name
            self.diskFormat = diskFormat
            self.visibility = visibility
            self.force = force
            self.activeTimeout = activeTimeout
            self.maxBytesPerSecond = maxBytesPerSecond
        }
    }

    /// How it ended.
    public enum Outcome: Sendable {
        /// The same data was there already: nothing was uploaded.
        case alreadyPresent(GlanceImage)
        /// A new image, active and checked; `replaced` were deleted; `notDeleted` are the
        /// replaced images that could not be, with why.
        case uploaded(GlanceImage, elapsed: Duration, replaced: [String], notDeleted: [String: String])
    }

    /// The digests computed before anything is sent: MD5 (Glance's `checksum`) and SHA-512
    /// (Glance's default `os_hash_algo`).
    public static let algorithms = ["md5", "sha512"]

    /// Glance.
    public let images: ImageAPI
    /// Where progress is drawn; nil for none.
    public let display: TransferDisplay?
    /// Where notes go (what was found, deleted, changed).
    public let note: @Sendable (String) -> Void
    /// How often a new image's status is read while it becomes active.
    public let pollInterval: Duration

    /// An uploader through `images`.
    public init(images: ImageAPI, display: TransferDisplay? = nil, pollInterval: Duration = .seconds(1),
                note: @escaping @Sendable (String) -> Void) {
        self.images = images
        self.display = display
        self.pollInterval = pollInterval
        self.note = note
    }

    /// Does the whole upload.
    ///
    /// - Throws: `ImageUploadError` (exists with other data, checksum mismatch, Glance failed
    ///   the image), `OpenStackAPIError`, `ImageFileError`, `CancellationError` (after the
    ///   partial image was deleted).
    public func upload(_ request: Request) async throws -> Outcome {
        let file = request.file
        let digests = try await digest(file, algorithms: Self.algorithms, label: "checksumming \(file.path)")
        let project = try await images.session.currentToken().projectID
        let existing = try await images.list(named: request.name).filter { $0.isUsable(by: project) }
        switch UploadDecision(existing: existing, digests: digests, size: file.size, visibility: request.visibility, force: request.force) {
        case .present(let image, let others):
            return .alreadyPresent(try await keep(image, others: others, request: request, project: project))
        case .refuse(let conflicting):
            throw ImageUploadError(
                "image \(request.name) already exists with other data: "
                    + conflicting.map(\.summary).joined(separator: "; ")
                    + "; \(file.path) has md5 \(digests.md5 ?? "?"). Give --force to replace "
                    + (conflicting.count == 1 ? "it" : "them")
                    + " (the new image is uploaded and checked first, then "
                    + conflicting.map(\.id).joined(separator: ", ") + " deleted), or choose another --name")
        case .upload(let replacing):
            let started = ContinuousClock.now
            let image = try await createChecked(request, digests: digests)
            let elapsed = ContinuousClock.now - started
            var replaced: [String] = []
            var notDeleted: [String: String] = [:]
            for old in replacing {
                do {
                    try await images.delete(id: old.id, describing: old.name)
                    replaced.append(old.id)
                } catch {
                    notDeleted[old.id] = "\(error)"
                }
            }
            return .uploaded(image, elapsed: elapsed, replaced: replaced, notDeleted: notDeleted)
        }
    }

    /// An image with the file's data exists: give it the wanted visibility when it is ours,
    /// and delete the other images of the name with --force (else say that they exist).
    private func keep(_ image: GlanceImage, others: [GlanceImage], request: Request, project: String?) async throws -> GlanceImage {
        var image = image
        if image.visibility != request.visibility.rawValue, image.owner == project {
            try await images.setVisibility(id: image.id, name: image.name, to: request.visibility.rawValue)
            note("image \(image.name) (\(image.id)) was \(image.visibility); made it \(request.visibility.rawValue)")
            image.visibility = request.visibility.rawValue
        }
        guard !others.isEmpty else { return image }
        if request.force {
            for other in others {
                try await images.delete(id: other.id, describing: other.name)
                note("deleted image \(other.summary), also named \(other.name) (--force)")
            }
        } else {
            note("\(others.count) more image(s) named \(image.name): \(others.map(\.summary).joined(separator: "; ")); "
                + "`kloudbuster run` boots the first active one Glance lists, maybe not \(image.id): delete them, or give --force to")
        }
        return image
    }

    /// Creates the image, streams the file, waits until it is active and checks Glance's
    /// digests; on any failure (Ctrl-C included) deletes the image before rethrowing.
    private func createChecked(_ request: Request, digests: FileDigests) async throws -> GlanceImage {
        let file = request.file
        let id = try await images.create(name: request.name, diskFormat: request.diskFormat, visibility: request.visibility.rawValue)
        do {
            let counter = TransferCounter()
            let body = UploadBody(path: file.path, length: file.size, maxBytesPerSecond: request.maxBytesPerSecond, counter: counter)
            try await watch("uploading \(request.name)", total: file.size, counter: counter) {
                try await images.putData(id: id, name: request.name, body: body)
            }
            let image = try await waitActive(id: id, name: request.name, timeout: request.activeTimeout)
            try await verify(image, file: file, digests: digests)
            return image
        } catch {
            // In a task of its own: this one may be cancelled, and the delete must still go out.
            let deleted = await Task { () -> String? in
                do {
                    try await images.delete(id: id, describing: request.name)
                    return nil
                } catch {
                    return "\(error)"
                }
            }.value
            if let deleted {
                throw ImageUploadError(
                    "\(error); the partial image \(id) could not be deleted (\(deleted)): delete it with `openstack image delete \(id)`")
            }
            note("deleted the new image \(request.name) (\(id)): nothing is left of this upload")
            throw error
        }
    }

    /// Polls until the image is active; Glance's `killed` (its side of the upload failed), a
    /// vanished image or the timeout are errors.
    private func waitActive(id: String, name: String, timeout: Duration) async throws -> GlanceImage {
        let deadline = ContinuousClock.now + timeout
        while true {
            guard let image = try await images.image(id: id, describing: name) else {
                throw ImageUploadError("image \(name) (\(id)) vanished from Glance while it became active: was it deleted by someone else?")
            }
            switch image.status {
            case "active":
                return image
            case "killed", "deleted", "pending_delete":
                throw ImageUploadError("Glance marked image \(name) (\(id)) \(image.status) after the upload: see Glance's log (its store may be full)")
            default:
                guard ContinuousClock.now < deadline else {
                    throw ImageUploadError("image \(name) (\(id)) is still \(image.status) after \(timeout): give more time with --timeout, or see Glance's log")
                }
                try await Task.sleep(for: pollInterval)
            }
        }
    }

    /// Compares what Glance stored with the file: size, MD5, and the multihash (computed
    /// again when Glance uses an algorithm other than the ones computed before).
    private func verify(_ image: GlanceImage, file: ImageFile, digests: FileDigests) async throws {
        var digests = digests
        if let algorithm = image.hashAlgorithm, image.hashValue != nil, digests[algorithm] == nil {
            let more = try await digest(file, algorithms: [algorithm], label: "checksumming \(file.path) (\(algorithm), as Glance does)")
            digests = FileDigests(values: digests.values.merging(more.values) { first, _ in first })
        }
        var differences: [String] = []
        if image.size != file.size { differences.append("size \(image.size.map(String.init) ?? "none") (Glance) vs \(file.size) (file)") }
        if image.checksum != digests.md5 { differences.append("md5 \(image.checksum ?? "none") vs \(digests.md5 ?? "none")") }
        if let algorithm = image.hashAlgorithm, image.hashValue != digests[algorithm] {
            differences.append("\(algorithm) \(image.hashValue ?? "none") vs \(digests[algorithm] ?? "none")")
        }
        if image.hashAlgorithm == nil && image.checksum == nil { differences.append("Glance reports no checksum at all") }
        guard differences.isEmpty else {
            throw ImageUploadError(
                "Glance's copy of image \(image.name) (\(image.id)) differs from \(file.path): \(differences.joined(separator: "; "))"
                    + " (was the file changed during the upload?)")
        }
    }

    private func digest(_ file: ImageFile, algorithms: [String], label: String) async throws -> FileDigests {
        let counter = TransferCounter()
        return try await watch(label, total: file.size, counter: counter) {
            try FileDigests.compute(path: file.path, algorithms: algorithms) { _ = counter.record($0) }
        }
    }

    private func watch<T>(_ label: String, total: UInt64, counter: TransferCounter, _ operation: () async throws -> T) async throws -> T {
        guard let display else { return try await operation() }
        return try await display.watch(label, total: total, counter: counter, operation)
    }
}

/// An upload that cannot or must not complete, in words that name the images and what to do.
public struct ImageUploadError: Error, Sendable, CustomStringConvertible {
    /// The message.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}
