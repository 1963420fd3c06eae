import Foundation

/// Glance (image API v2), as the driver uses it: find the agent image by name, create one,
/// stream a file into it, watch it, delete it.
public struct ImageAPI: Sendable {
    /// The session the calls go through.
    public let session: OpenStackSession

    /// Glance through `session`.
    public init(session: OpenStackSession) {
        self.session = session
    }

    /// Every image named `name` the session's user can see.
    public func list(named name: String) async throws -> [GlanceImage] {
        let reply = try await session.json(APIRequest(
            .image, "GET", "images", query: [URLQueryItem(name: "name", value: name)], operation: "find image \(name)"))
        return (reply["images"]?.array ?? []).compactMap(GlanceImage.init(json:))
    }

    /// The images named `name` that project `projectID` can boot: public, community or shared
    /// ones, and its own. (An admin's listing also shows other projects' private images, which
    /// Nova would refuse to boot in this project.)
    public func images(named name: String, usableBy projectID: String?) async throws -> [(id: String, status: String)] {
        try await list(named: name).filter { $0.isUsable(by: projectID) }.map { ($0.id, $0.status) }
    }

    /// One image; nil when it does not exist (any more).
    public func image(id: String, describing name: String) async throws -> GlanceImage? {
        let reply = try await session.send(APIRequest(
            .image, "GET", "images/\(id)", operation: "show image \(name) (\(id))", expect: [200, 404]))
        return reply.status == 404 ? nil : GlanceImage(json: reply.json)
    }

    /// Creates an empty (queued) bare image; returns its id. Never retried: a retry after a
    /// lost reply would make a second image of the same name.
    public func create(name: String, diskFormat: DiskFormat, visibility: String) async throws -> String {
        let created = try await session.json(APIRequest(
            .image, "POST", "images",
            json: ["name": .of(name), "disk_format": .of(diskFormat.rawValue), "container_format": "bare", "visibility": .of(visibility)],
            operation: "create image \(name)", expect: [201], retry: .never))
        return try created.requireString("id")
    }

    /// Streams `body`'s file into image `id` (`PUT /v2/images/ID/file`).
    public func putData(id: String, name: String, body: UploadBody) async throws {
        _ = try await session.upload(
            APIRequest(.image, "PUT", "images/\(id)/file", operation: "upload \(body.path) into image \(name) (\(id))", expect: [204]),
            body: body, contentType: "application/octet-stream")
    }

    /// Sets an image's visibility (a JSON patch).
    public func setVisibility(id: String, name: String, to visibility: String) async throws {
        var request = APIRequest(.image, "PATCH", "images/\(id)", operation: "make image \(name) (\(id)) \(visibility)")
        let patch: JSONValue = [["op": "replace", "path": "/visibility", "value": .of(visibility)]]
        request.body = (patch.data(), "application/openstack-images-v2.1-json-patch")
        _ = try await session.send(request)
    }

    /// Creates image `name` and streams `file` into it; returns its id. The format is the
    /// file's (qcow2 by its header, else raw) unless `diskFormat` says otherwise; `visibility`
    /// is `public` (admin) or `private`. An image whose upload fails is deleted.
    public func upload(name: String, file: String, diskFormat: DiskFormat? = nil, visibility: String) async throws -> String {
        let image: ImageFile
        let format: DiskFormat
        do {
            image = try ImageFile(path: file)
            format = try image.format(requested: diskFormat)
        } catch {
            throw OpenStackAPIError(operation: "upload image \(name)", request: "read \(file)", status: nil, kind: .notFound,
                                    detail: error.description, remedy: "check vm_image_file")
        }
        let id = try await create(name: name, diskFormat: format, visibility: visibility)
        do {
            try await putData(id: id, name: name, body: UploadBody(path: file, length: image.size))
        } catch {
            // Not in this (maybe cancelled) task: the delete must go out even after Ctrl-C.
            _ = try? await Task { try await delete(id: id, describing: name) }.value
            throw error
        }
        return id
    }

    /// Deletes an image; `false` when it was gone.
    @discardableResult
    public func delete(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .image, "DELETE", "images/\(id)", operation: "delete image \(name) (\(id))", expect: [204, 404])).status == 204
    }
}
