import Foundation

/// Runs Octavia's own Python code (PyPI `octavia` 19.0.0) on our heartbeats. The interpreter is
/// `$OCTAVIA_PYTHON`, else `<repo>/.octavia/venv/bin/python`, which `scripts/octavia-local.sh
/// venv` (or `up`) installs. A missing venv is a test failure that says so, never a skip.
enum OctaviaPython {
    /// Why Octavia's code could not be run.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong and what to do.
        let description: String
    }

    /// What `status_message.unwrap_envelope` did with one datagram.
    enum Outcome: Equatable {
        /// It returned this body.
        case body(NSDictionary)
        /// It raised an exception of this class.
        case raised(String)
    }

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func python() throws -> URL {
        let environment = ProcessInfo.processInfo.environment["OCTAVIA_PYTHON"] ?? ""
        let python = environment.isEmpty ? repositoryRoot.appendingPathComponent(".octavia/venv/bin/python") : URL(fileURLWithPath: environment)
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw Failure(
                description: "Octavia's Python venv is missing (\(python.path)): run `scripts/octavia-local.sh venv` "
                    + "(or `scripts/octavia-local.sh up`) in \(repositoryRoot.path), or set OCTAVIA_PYTHON")
        }
        return python
    }

    /// Calls `octavia.amphorae.backends.health_daemon.status_message.unwrap_envelope(datagram,
    /// key)` in Octavia's venv, once per datagram.
    static func unwrapEnvelope(_ datagrams: [[UInt8]], key: String) throws -> [Outcome] {
        let python = try python()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kb-octavia-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let request: [String: Any] = ["key": key, "datagrams": datagrams.map { Data($0).base64EncodedString() }]
        try JSONSerialization.data(withJSONObject: request).write(to: directory.appendingPathComponent("request.json"))
        try script.write(to: directory.appendingPathComponent("unwrap.py"), atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("out"), errors = directory.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = python
        process.arguments = [directory.appendingPathComponent("unwrap.py").path, directory.appendingPathComponent("request.json").path]
        // Files, read after exit: a chatty child never blocks on a full pipe.
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(python.path) exited \(process.terminationStatus): \(try String(contentsOf: errors, encoding: .utf8))")
        }
        guard let answers = try JSONSerialization.jsonObject(with: Data(contentsOf: output)) as? [[String: Any]] else {
            throw Failure(description: "unreadable answer: \(try String(contentsOf: output, encoding: .utf8))")
        }
        return try answers.map { answer in
            if let body = answer["body"] as? NSDictionary { return .body(body) }
            if let raised = answer["raised"] as? String { return .raised(raised) }
            throw Failure(description: "unexpected answer \(answer)")
        }
    }

    /// Octavia's module is imported exactly as its health manager imports it.
    static let script = #"""
        import base64, json, sys
        from octavia.amphorae.backends.health_daemon import status_message

        with open(sys.argv[1]) as f:
            request = json.load(f)
        answers = []
        for encoded in request["datagrams"]:
            try:
                body = status_message.unwrap_envelope(base64.b64decode(encoded), request["key"])
                answers.append({"body": body})
            except Exception as e:
                answers.append({"raised": type(e).__name__})
        json.dump(answers, sys.stdout)
        """#
}
