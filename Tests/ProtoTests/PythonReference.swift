import Foundation

/// Runs the reference implementation, the Python `hdrhistogram` package, so the tests can compare
/// our histogram with it. Python is `$KB_PYTHON`, else `<repo>/.venv/bin/python`, which
/// `scripts/python-env.sh` (idempotent) creates when missing.
enum PythonReference {
    /// Why the reference could not be run.
    struct Failure: Error, CustomStringConvertible {
        /// What went wrong, with the command and its stderr.
        let description: String
    }

    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter, resolved once per test process so parallel tests never race to create
    /// the venv.
    static let python: Result<URL, Failure> = {
        if let configured = ProcessInfo.processInfo.environment["KB_PYTHON"], !configured.isEmpty {
            return .success(URL(fileURLWithPath: configured))
        }
        let venvPython = repositoryRoot.appendingPathComponent(".venv/bin/python")
        let setup = repositoryRoot.appendingPathComponent("scripts/python-env.sh")
        do {
            // The script is idempotent and also repairs a venv without the package.
            _ = try run(URL(fileURLWithPath: "/bin/bash"), arguments: [setup.path])
        } catch {
            return .failure(Failure(description: "scripts/python-env.sh failed: \(error)"))
        }
        guard FileManager.default.isExecutableFile(atPath: venvPython.path) else {
            return .failure(Failure(description: "\(venvPython.path) missing after scripts/python-env.sh"))
        }
        return .success(venvPython)
    }()

    /// Runs `command` of the helper script with `request` as JSON and decodes its JSON answer.
    static func call<Request: Encodable, Response: Decodable>(
        _ command: String, _ request: Request, as: Response.Type = Response.self
    ) throws -> Response {
        let input = FileManager.default.temporaryDirectory
            .appendingPathComponent("kb-hdrh-\(UUID().uuidString).json")
        let scriptFile = input.deletingPathExtension().appendingPathExtension("py")
        try JSONEncoder().encode(request).write(to: input)
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: scriptFile)
        }
        let output = try run(python.get(), arguments: [scriptFile.path, command, input.path])
        do {
            return try JSONDecoder().decode(Response.self, from: output)
        } catch {
            throw Failure(description: "cannot decode \(command) answer \(String(decoding: output, as: UTF8.self)): \(error)")
        }
    }

    /// Runs a process to completion; stdout and stderr go to files, read after exit, so a chatty
    /// child can never block on a full pipe.
    static func run(_ executable: URL, arguments: [String]) throws -> Data {
        let directory = FileManager.default.temporaryDirectory
        let stdoutURL = directory.appendingPathComponent("kb-hdrh-\(UUID().uuidString).out")
        let stderrURL = directory.appendingPathComponent("kb-hdrh-\(UUID().uuidString).err")
        guard FileManager.default.createFile(atPath: stdoutURL.path, contents: nil),
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        else { throw Failure(description: "cannot create output files in \(directory.path)") }
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        try stdout.close()
        try stderr.close()
        let output = try Data(contentsOf: stdoutURL)
        guard process.terminationStatus == 0 else {
            let errors = String(decoding: try Data(contentsOf: stderrURL), as: UTF8.self)
            throw Failure(
                description: "\(executable.path) \(arguments.joined(separator: " ")) exited "
                    + "\(process.terminationStatus): \(errors)")
        }
        return output
    }

    /// The helper: one command per cross-check, JSON in and out.
    static let script = #"""
        import base64, json, math, random, sys, zlib
        from hdrh.histogram import HdrHistogram
        from hdrh.log import HistogramLogReader

        def stats(h, percentiles):
            return {
                "total": h.get_total_count(),
                "min": h.get_min_value(),
                "max": h.get_max_value(),
                "mean": h.get_mean_value(),
                "stddev": h.get_stddev(),
                "percentiles": [h.get_value_at_percentile(p) for p in percentiles],
                "counts": [[i, h.get_count_at_index(i)] for i in range(h.counts_len) if h.get_count_at_index(i)],
                "lowest": h.lowest_trackable_value,
                "highest": h.highest_trackable_value,
                "significantFigures": h.significant_figures,
            }

        def decode(req):
            return [stats(HdrHistogram.decode(b64), req["percentiles"]) for b64 in req["encodings"]]

        def record(req):
            random.seed(req["seed"])
            h = HdrHistogram(req["lowest"], req["highest"], req["significantFigures"])
            values = [0, 1, req["lowest"], req["highest"]]
            values += [int(math.exp(random.uniform(0, math.log(req["highest"])))) for _ in range(req["count"])]
            for v in values:
                assert h.record_value(v)
            result = stats(h, req["percentiles"])
            result["values"] = values
            result["encoding"] = h.encode().decode("ascii")
            return result

        def layout(req):
            out = []
            for lowest, highest, sig in req["layouts"]:
                h = HdrHistogram(lowest, highest, sig)
                out.append({"countsLength": h.counts_len, "bucketCount": h.bucket_count,
                            "subBucketCount": h.sub_bucket_count,
                            "indexes": [h.get_counts_array_index(v) for v in req["values"] if v <= highest]})
            return out

        def uncompressed(req):
            raw = base64.b64decode(req["encoding"])
            return base64.b64encode(zlib.decompress(raw[8:])).decode("ascii")

        def hlog(req):
            reader = HistogramLogReader(req["path"], HdrHistogram(1, 3600000000, 3))
            out = []
            while True:
                h = reader.get_next_interval_histogram()
                if h is None:
                    break
                out.append({"start": h.get_start_time_stamp(), "end": h.get_end_time_stamp(),
                            "total": h.get_total_count(), "max": h.get_max_value(),
                            "p99": h.get_value_at_percentile(99.0)})
            return {"startTime": reader.get_start_time_sec(), "intervals": out}

        command, path = sys.argv[1], sys.argv[2]
        with open(path) as f:
            request = json.load(f)
        json.dump(globals()[command](request), sys.stdout)
        """#
}
