import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `kloudbuster image upload FILE`: puts a VM image into Glance, checked end to end.
public struct ImageUploadCommand: AsyncParsableCommand {
    /// The command's name, summary and exit statuses.
    public static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Upload a VM image file to Glance (image API v2), checked by its digests.",
        discussion: """
            The file is checked first (it exists, is readable, is a qcow2 or raw disk), then its MD5 and SHA-512 are computed, and only then is the cloud asked: if an active image of the name already holds the same data, nothing is uploaded. An image of the name with other data is replaced only with --force (the new one is uploaded and checked before the old one is deleted). The file is streamed (never read into memory) with progress on standard error, the image is awaited until active, and Glance's checksum and os_hash_value must equal the file's: a mismatch, a failed upload or Ctrl-C deletes the new image, so no half-made image is left behind.

            Visibility: community by default, because the projects `kloudbuster run` creates (as admin) must be able to boot the image, and a private image boots only in its own project; community lets every project boot it without listing it in their image lists, and unlike public needs no admin role. Use --visibility public to list it for everyone (admin), or private with a tenants file (-l) whose project is the one uploading.

            Credentials: as `run` takes them (--rc, --os-cloud, else $OS_CLOUD, else the OS_* environment). For a dual-cloud test, upload to each cloud.

            Examples:
              kloudbuster image upload kloudbuster-agent-\(KloudBuster.version).qcow2 --rc admin-openrc.sh
              kloudbuster image upload agent.qcow2 --os-cloud mycloud --name kb-agent-test
              kloudbuster image upload agent.qcow2 --force --limit-rate 20M

            Output: the image's id, name, size and checksums on standard output, one `key: value` per line.

            Exit status: 0 when the image is uploaded and checked, or was already there with the same data; 1 when the upload failed, the checksums differ, or an image of the name holds other data and --force was not given; 2 for a usage error (a missing or unreadable file, a contradicting --disk-format; nothing was sent); 130 after SIGINT and 143 after SIGTERM (the new image deleted).
            """)

    /// The image file.
    @Argument(help: ArgumentHelp("The image file (qcow2 or raw).", valueName: "file"))
    public var file: String

    /// The image name.
    @Option(help: ArgumentHelp("The image name: the one `run` looks for (its image_name).", valueName: "name"))
    public var name: String = OpenStackStager.defaultImageName

    /// The disk format.
    @Option(help: ArgumentHelp("qcow2 or raw (default: qcow2 when the file starts with QFI\\xfb, else raw); one contradicting the file is refused.", valueName: "format"))
    public var diskFormat: DiskFormat?

    /// The visibility.
    @Option(help: ArgumentHelp("Who may boot it; community lets the projects `run` creates boot it, and needs no admin role.", valueName: "visibility"))
    public var visibility: ImageVisibility = .community

    /// Replace images of the name with other data.
    @Flag(help: "Replace images of this name that hold other data (and delete duplicates of it): the new image is uploaded and checked first.")
    public var force = false

    /// An openrc file.
    @Option(name: .customLong("rc"), help: ArgumentHelp("OpenStack openrc file (default: the OS_* environment).", valueName: "file"))
    public var rcFile: String?

    /// A clouds.yaml cloud.
    @Option(name: .customLong("os-cloud"), help: ArgumentHelp("A cloud of clouds.yaml (default: $OS_CLOUD).", valueName: "name"))
    public var osCloud: String?

    /// How long the image may take to become active.
    @Option(help: ArgumentHelp("How long to wait for the image to become active after its data is sent (default: 5m).", valueName: "duration"),
            transform: DurationArgument.parse)
    public var timeout = DurationArgument(.seconds(300), "5m")

    /// A bandwidth cap.
    @Option(help: ArgumentHelp("Send at most this many bytes a second (500k, 10M): spare a shared link.", valueName: "rate"),
            transform: ByteRateArgument.parse)
    public var limitRate: ByteRateArgument?

    /// For ArgumentParser.
    public init() {}

    /// Checks the file and the options before anything is sent: each problem is a usage
    /// error (exit status 2) naming the file.
    public func validate() throws {
        if rcFile != nil && osCloud != nil { throw ValidationError("give either --rc or --os-cloud, not both") }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--name must not be empty") }
        _ = try checkedFile()
    }

    /// The file, inspected, and the format to send.
    func checkedFile() throws -> (file: ImageFile, format: DiskFormat) {
        do {
            let image = try ImageFile(path: file)
            return (image, try image.format(requested: diskFormat))
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// Uploads, then prints the image; Ctrl-C or SIGTERM cancels the upload and deletes the
    /// image it created.
    public func run() async throws {
        let (image, format) = try checkedFile()
        let credentials = try CloudOptions.credentials(rcFile: rcFile, osCloud: osCloud)
        let stderr = StatusLine.standardError
        if !visibility.isBootableByNewProjects {
            stderr.print("note: a \(visibility.rawValue) image boots only in its own project (and in projects it is shared with): "
                + "`kloudbuster run` as admin creates new projects that cannot boot it; use it with a tenants file (-l) naming this project")
        }
        let uploader = ImageUploader(
            images: ImageAPI(session: OpenStackSession(credentials: credentials)), display: TransferDisplay(status: stderr),
            note: { stderr.print("note: \($0)") })
        let request = ImageUploader.Request(
            file: image, name: name, diskFormat: format, visibility: visibility, force: force, activeTimeout: timeout.duration,
            maxBytesPerSecond: limitRate?.bytesPerSecond)
        let signals = SignalRecorder(onRepeat: { count in
            ConsoleStream.err((count == 2
                ? "kloudbuster: deleting the new image, press Ctrl-C again to force (then look for it: openstack image list --name \(request.name))\n"
                : "kloudbuster: forced: exiting now; the new image may be left: openstack image list --name \(request.name)\n"))
        })
        let service = UploadService(uploader: uploader, request: request)
        var logger = Logger(label: "kloudbuster.image")
        logger.logLevel = .warning
        try await ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
        switch service.result.withLock({ $0 }) ?? .failure(CancellationError()) {
        case .success(let outcome):
            try report(outcome, file: image)
        case .failure(let error):
            guard let status = signals.exitStatus else { throw error }
            // After a signal the upload ends in CancellationError (its image deleted, as the
            // uploader's note said); anything else is worth its message.
            if !(error is CancellationError) { stderr.print("kloudbuster: error: \(error)") }
            stderr.print("kloudbuster: interrupted")
            throw ExitCode(status)
        }
    }

    /// The summary: how it went, then the image as `key: value` lines; exits 1 when a replaced
    /// image could not be deleted.
    private func report(_ outcome: ImageUploader.Outcome, file: ImageFile) throws {
        let image: GlanceImage
        switch outcome {
        case .alreadyPresent(let present):
            image = present
            print("image \(present.name) (\(present.id)) already holds the data of \(file.path): nothing uploaded")
        case .uploaded(let uploaded, let elapsed, let replaced, _):
            image = uploaded
            let rate = elapsed.inSeconds > 0 ? ", " + ByteText.rate(Double(file.size) / elapsed.inSeconds) : ""
            print("uploaded \(file.path) as image \(uploaded.name) in \(ConsoleReport.number(elapsed.inSeconds, decimals: 1)) s\(rate)"
                + (replaced.isEmpty ? "" : "; replaced \(replaced.joined(separator: ", "))"))
        }
        print("id: \(image.id)")
        print("name: \(image.name)")
        print("size: \(image.size.map { "\($0) (\(ByteText.size($0)))" } ?? "?")")
        print("disk_format: \(image.diskFormat ?? "?")")
        print("visibility: \(image.visibility)")
        print("checksum: \(image.checksum ?? "?")")
        if let algorithm = image.hashAlgorithm, let value = image.hashValue { print("\(algorithm): \(value)") }
        guard case .uploaded(_, _, _, let notDeleted) = outcome, !notDeleted.isEmpty else { return }
        throw ImageUploadError(
            "the new image is in place, but the one(s) it replaces could not be deleted: "
                + notDeleted.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))
    }
}

/// The upload as the one service of its group: the group's graceful shutdown (SIGINT,
/// SIGTERM) cancels it, which aborts the transfer and deletes the new image.
final class UploadService: Service, Sendable {
    let uploader: ImageUploader
    let request: ImageUploader.Request
    /// How the upload ended; nil until it did.
    let result = Mutex<Result<ImageUploader.Outcome, any Error>?>(nil)

    init(uploader: ImageUploader, request: ImageUploader.Request) {
        self.uploader = uploader
        self.request = request
    }

    /// Uploads; never throws, so that the group ends the same way however the upload did.
    func run() async {
        let uploader = uploader
        let request = request
        let outcome: Result<ImageUploader.Outcome, any Error>
        do {
            outcome = .success(try await cancelWhenGracefulShutdown { try await uploader.upload(request) })
        } catch {
            outcome = .failure(error)
        }
        result.withLock { $0 = outcome }
    }
}

extension DiskFormat: ExpressibleByArgument {}
extension ImageVisibility: ExpressibleByArgument {}
