import Foundation
import Yams

extension OpenStackCredentials {
    /// Reads an openrc file without running it: `export OS_X=value` and `OS_X=value` lines,
    /// quotes removed, `$VAR` and `${VAR}` expanded from earlier lines and then `environment`.
    /// A password the file prompts for (`read -s OS_PASSWORD_INPUT`) comes from `environment`'s
    /// `OS_PASSWORD`, as it would after sourcing the file.
    ///
    /// - Throws: `OpenStackCredentialError` naming the file.
    public static func fromRCFile(_ path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> OpenStackCredentials {
        let source = "openrc file \(path)"
        let text: String
        do throws(FileProblem) {
            text = try FileProblem.readText(path)
        } catch {
            throw OpenStackCredentialError(source: source, problem: "the file cannot be read: \(error.reason)", remedy: "check the path given to --rc or openrc_file")
        }
        var variables: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "="), line.hasPrefix("OS_") else { continue }
            let name = String(line[..<equals])
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            let value = unquote(String(line[line.index(after: equals)...]))
            variables[name] = expand(value, variables: variables, environment: environment)
        }
        if variables["OS_PASSWORD"]?.isEmpty ?? true, let password = environment["OS_PASSWORD"] {
            variables["OS_PASSWORD"] = password
        }
        return try OpenStackCredentials(variables: variables, source: source)
    }

    /// Reads cloud `name` of clouds.yaml (and its secure.yaml), searched where the OpenStack
    /// clients look: `$OS_CLIENT_CONFIG_FILE`, `./clouds.yaml`, `~/.config/openstack/clouds.yaml`,
    /// `/etc/openstack/clouds.yaml`. The secrets file is `$OS_CLIENT_SECURE_FILE`, else the
    /// secure.yaml beside the clouds.yaml found.
    ///
    /// - Throws: `OpenStackCredentialError` naming the file and the cloud.
    public static func fromCloudsYAML(cloud name: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                      searchPaths: [String]? = nil) throws -> OpenStackCredentials {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let paths = searchPaths ?? ([environment["OS_CLIENT_CONFIG_FILE"]].compactMap { $0 }
            + ["clouds.yaml", "\(home)/.config/openstack/clouds.yaml", "/etc/openstack/clouds.yaml"])
        guard let path = paths.first(where: { FileManager.default.isReadableFile(atPath: $0) }) else {
            throw OpenStackCredentialError(source: "clouds.yaml cloud \(name)", problem: "no clouds.yaml found in \(paths.joined(separator: ", "))",
                                           remedy: "create one, or use --rc FILE or the OS_* environment")
        }
        let source = "clouds.yaml cloud \(name) (\(path))"
        var entry = try cloudEntry(name, in: path, source: source, required: true)
        let securePath = environment["OS_CLIENT_SECURE_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (path as NSString).deletingLastPathComponent + "/secure.yaml"
        if FileManager.default.isReadableFile(atPath: securePath),
           let secure = try cloudEntry(name, in: securePath, source: source, required: false) {
            entry = merge(entry ?? [:], secure)
        }
        return try fromCloudEntry(entry ?? [:], name: name, source: source)
    }

    /// The credentials of one clouds.yaml entry (already merged with secure.yaml).
    static func fromCloudEntry(_ entry: [String: Any], name: String, source: String) throws -> OpenStackCredentials {
        let auth = entry["auth"] as? [String: Any] ?? [:]
        func text(_ dictionary: [String: Any], _ key: String) -> String? {
            if let value = dictionary[key] as? String { return value }
            if let value = dictionary[key] { return "\(value)" }
            return nil
        }
        var variables: [String: String] = [:]
        let mapping: [(String, String)] = [
            ("auth_url", "OS_AUTH_URL"), ("username", "OS_USERNAME"), ("user_id", "OS_USER_ID"), ("password", "OS_PASSWORD"),
            ("project_name", "OS_PROJECT_NAME"), ("project_id", "OS_PROJECT_ID"), ("tenant_name", "OS_TENANT_NAME"),
            ("user_domain_name", "OS_USER_DOMAIN_NAME"), ("user_domain_id", "OS_USER_DOMAIN_ID"),
            ("project_domain_name", "OS_PROJECT_DOMAIN_NAME"), ("project_domain_id", "OS_PROJECT_DOMAIN_ID"),
            ("application_credential_id", "OS_APPLICATION_CREDENTIAL_ID"),
            ("application_credential_name", "OS_APPLICATION_CREDENTIAL_NAME"),
            ("application_credential_secret", "OS_APPLICATION_CREDENTIAL_SECRET"),
        ]
        for (key, variable) in mapping { variables[variable] = text(auth, key) }
        // `domain_name` stands for both domains when the specific ones are absent.
        if let domain = text(auth, "domain_name") {
            variables["OS_USER_DOMAIN_NAME"] = variables["OS_USER_DOMAIN_NAME"] ?? domain
            variables["OS_PROJECT_DOMAIN_NAME"] = variables["OS_PROJECT_DOMAIN_NAME"] ?? domain
        }
        variables["OS_AUTH_TYPE"] = text(entry, "auth_type")
        // `regions:` lists the cloud's regions (names, or maps with a name); the first is used,
        // as the OpenStack clients do when no region is asked for.
        let firstRegion = (entry["regions"] as? [Any])?.first.flatMap { region in
            (region as? [String: Any]).flatMap { text($0, "name") } ?? (region as? String)
        }
        variables["OS_REGION_NAME"] = text(entry, "region_name") ?? firstRegion
        variables["OS_INTERFACE"] = text(entry, "interface")
        variables["OS_CACERT"] = text(entry, "cacert")
        return try OpenStackCredentials(variables: variables.compactMapValues { $0 }, source: source, cloudName: name)
    }

    private static func cloudEntry(_ name: String, in path: String, source: String, required: Bool) throws -> [String: Any]? {
        let text: String
        let root: Any?
        do throws(FileProblem) {
            text = try FileProblem.readText(path)
        } catch {
            throw OpenStackCredentialError(source: source, problem: "\(path) cannot be read: \(error.reason)", remedy: "check the path of clouds.yaml")
        }
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw OpenStackCredentialError(source: source, problem: "\(path) is not valid YAML: \(error)", remedy: "fix the file")
        }
        let clouds = (root as? [String: Any])?["clouds"] as? [String: Any] ?? [:]
        guard let entry = clouds[name] as? [String: Any] else {
            guard required else { return nil }
            let known = clouds.keys.sorted()
            throw OpenStackCredentialError(
                source: source, problem: "\(path) has no cloud \"\(name)\"",
                remedy: known.isEmpty ? "add it under `clouds:`" : "use one of: \(known.joined(separator: ", "))")
        }
        return entry
    }

    private static func merge(_ base: [String: Any], _ overlay: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in overlay {
            if let inner = value as? [String: Any], let baseInner = result[key] as? [String: Any] {
                result[key] = merge(baseInner, inner)
            } else {
                result[key] = value
            }
        }
        return result
    }

    private static func unquote(_ value: String) -> String {
        var text = value.trimmingCharacters(in: .whitespaces)
        if let hash = text.range(of: " #"), !text.hasPrefix("\""), !text.hasPrefix("'") { text = String(text[..<hash.lowerBound]) }
        for quote in ["\"", "'"] where text.count >= 2 && text.hasPrefix(quote) && text.hasSuffix(quote) {
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    private static func expand(_ value: String, variables: [String: String], environment: [String: String]) -> String {
        guard value.contains("$") else { return value }
        var result = ""
        var index = value.startIndex
        while index < value.endIndex {
            guard value[index] == "$" else {
                result.append(value[index])
                index = value.index(after: index)
                continue
            }
            var cursor = value.index(after: index)
            let braced = cursor < value.endIndex && value[cursor] == "{"
            if braced { cursor = value.index(after: cursor) }
            let nameStart = cursor
            while cursor < value.endIndex, value[cursor].isLetter || value[cursor].isNumber || value[cursor] == "_" {
                cursor = value.index(after: cursor)
            }
            let name = String(value[nameStart..<cursor])
            if braced, cursor < value.endIndex, value[cursor] == "}" { cursor = value.index(after: cursor) }
            result += variables[name] ?? environment[name] ?? ""
            index = cursor
        }
        return result
    }
}
