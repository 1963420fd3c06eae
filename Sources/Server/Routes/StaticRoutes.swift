import Controller
import Hummingbird

/// The files compiled into the binary (`EmbeddedFiles`): the OpenAPI document and the web UI,
/// so that a copied `kloudbuster` serves them with no resource folder and no network.
struct StaticRoutes {
    func register(on router: Router<ServerContext>) {
        router.get("/openapi.yaml") { _, _ in
            Self.reply(EmbeddedFiles.openAPI, type: "application/yaml; charset=utf-8")
        }
        router.get("/") { _, _ in
            Response(status: .seeOther, headers: [.location: "/ui/"])
        }
        router.get("/v1/health") { _, _ in
            try JSONReply.ok(["status": "ok", "version": KloudBuster.version])
        }
        router.get("/v1/version") { _, _ in
            try JSONReply.ok(["version": KloudBuster.version])
        }
        router.get("/ui") { _, _ in
            Self.reply(EmbeddedFiles.ui["index.html"]!, type: "text/html; charset=utf-8")
        }
        router.get("/ui/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let text = EmbeddedFiles.ui[name] else {
                throw APIError.notFound("no UI file \(name.prefix(64))", field: "file")
            }
            return Self.reply(text, type: Self.type(of: name))
        }
    }

    static func reply(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func type(of name: String) -> String {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return "text/html; charset=utf-8"
    }
}
