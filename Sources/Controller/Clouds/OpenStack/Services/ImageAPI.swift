import Foundation

/// Glance, as the driver uses it: find the agent image by name, or upload it.
public struct ImageAPI: Sendable {
    /// The session the calls go through.
    public let session: OpenStackSession

    /// Glance through `session`.
    public init(session: OpenStackSession) {
        self.session = session
    }

    /// The images named `name` that project `projectID` can boot: public, community or shared
    /// ones, and its own. (An admin's listing also shows other projects' private images, which
    /// Nova would refuse to boot in this project.)
    public func images(named name: String, usableBy projectID: String?) async throws -> [(id: String, status: String)] {
        let reply = try await session.json(APIRequest(
            .image, "GET", "images", query: [URLQueryItem(name: "name", value: name)], operation: "find image \(name)"))
        return (reply["images"]?.array ?? []).compactMap { image in
            guard let id = image["id"]?.string else { return nil }
            let visibility = image["visibility"]?.string ?? "public"
            guard ["public", "community", "shared"].contains(visibility) || image["owner"]?.string == projectID else { return nil }
            return (id, image["status"]?.string ?? "")
        }
    }

    /// Creates image `name` and uploads `file` into it; returns its id. `visibility` is
    /// `public` (admin) or `private`.
    public func upload(name: String, file: String, diskFormat: String, visibility: String) async throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw OpenStackAPIError(operation: "upload image \(name)", request: "read \(file)", status: nil, kind: .notFound,
                                    detail: "\(file) cannot be read", remedy: "check vm_image_file")
        }
        let created = try await session.json(APIRequest(
            .image, "POST", "images",
            json: ["name": .of(name), "disk_format": .of(diskFormat), "container_format": "bare", "visibility": .of(visibility)],
            operation: "create image \(name)", expect: [201]))
        let id = try created.requireString("id")
        var put = APIRequest(.image, "PUT", "images/\(id)/file", operation: "upload \(file) into image \(name)", expect: [204])
        put.body = (data, "application/octet-stream")
        _ = try await session.send(put)
        return id
    }

    /// Deletes an image; `false` when it was gone.
    @discardableResult
    public func delete(id: String, describing name: String) async throws -> Bool {
        try await session.send(APIRequest(
            .image, "DELETE", "images/\(id)", operation: "delete image \(name) (\(id))", expect: [204, 404])).status == 204
    }
}
