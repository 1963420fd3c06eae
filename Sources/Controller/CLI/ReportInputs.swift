import ArgumentParser
import Foundation

/// The result documents a report is made of, read from run ids and files, with usage errors
/// (exit status 2) that name the run or file and say what to do.
struct ReportInputs {
    /// The documents, in the order given.
    var documents: [ResultDocument]
    /// `report.html` next to the first source's result.json.
    var defaultOutput: String

    /// Reads `sources`: a name that exists as a file, ends in `.json` or holds a `/` is a file;
    /// anything else a run id looked up in `state`.
    static func load(_ sources: [String], state: StateOptions?) throws -> ReportInputs {
        var documents: [ResultDocument] = []
        var firstFolder: String?
        var ledger: Ledger??  // Opened once, at the first run id; .some(nil) when there is no database.
        for source in sources {
            let isFile = FileManager.default.fileExists(atPath: source) || source.hasSuffix(".json") || source.contains("/") || state == nil
            if isFile {
                do { documents.append(try ResultFile.read(source)) } catch { throw ValidationError("\(error)") }
                firstFolder = firstFolder ?? (source as NSString).deletingLastPathComponent
                continue
            }
            guard let state else { continue }
            if ledger == nil { ledger = .some(try state.openExistingStore().map(Ledger.init(store:))) }
            guard let opened = ledger ?? nil, let run = try opened.run(id: source) else {
                throw state.unknownRun(source, ledger: ledger ?? nil)
            }
            let folder = opened.store.directory.appendingPathComponent("runs/\(run.id)")
            let file = folder.appendingPathComponent("result.json").path
            var document: ResultDocument
            do {
                if FileManager.default.fileExists(atPath: file) {
                    document = try ResultFile.read(file)
                } else if let json = run.resultJSON {
                    document = try ResultFile.decode(Data(json.utf8), path: "the result of run \(run.id) in the state database")
                } else {
                    throw ValidationError(
                        "run \(run.id) has no result (status \(run.effectiveStatus.rawValue)): it is still running or ended before writing one; see `kloudbuster runs show \(run.id)`")
                }
            } catch let problem as ResultFile.Problem {
                throw ValidationError("run \(run.id): \(problem)")
            }
            // Results written before the document carried its configuration: the ledger has it.
            if document.config == nil { document.config = run.configYAML }
            documents.append(document)
            firstFolder = firstFolder ?? folder.path
        }
        let folder = firstFolder ?? ""
        return ReportInputs(documents: documents, defaultOutput: folder.isEmpty ? "report.html" : folder + "/report.html")
    }

    /// Renders `documents` and writes them to `path`, checked first; returns the bytes written.
    @discardableResult
    static func write(_ documents: [ResultDocument], to path: String, option: String) throws -> Int {
        do { try OutputFile.checkWritable(path, option: option) } catch { throw ValidationError("\(option == "report" ? "" : option + ": ")\(error)") }
        let html = HTMLReport(documents: documents).render()
        try FileProblem.write(html, to: path)
        return html.utf8.count
    }
}
