@testable import Controller
import Foundation
import Testing

@Suite("OpenStack credentials: openrc variables, openrc files, clouds.yaml")
struct OpenStackCredentialsTests {
    private let base = [
        "OS_AUTH_URL": "http://127.0.0.1:5000", "OS_USERNAME": "admin", "OS_PASSWORD": "secret",
        "OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
    ]

    private func temporaryFile(_ text: String, name: String = "file") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kb-cred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("OS_* variables give password credentials scoped to the project, with /v3 appended")
    func variables() throws {
        var variables = base
        variables["OS_REGION_NAME"] = "RegionTwo"
        variables["OS_INTERFACE"] = "internalURL"
        let credentials = try OpenStackCredentials(variables: variables, source: "test")
        #expect(credentials.authURL.absoluteString == "http://127.0.0.1:5000/v3")
        #expect(credentials.secret == .password("secret"))
        #expect(credentials.projectName == "admin")
        #expect(credentials.regionName == "RegionTwo")
        #expect(credentials.interface == "internal")
        let body = KeystoneAuthBody.make(credentials)
        #expect(body["auth"]?["scope"]?["project"]?["name"]?.string == "admin")
        #expect(body["auth"]?["identity"]?["password"]?["user"]?["domain"]?["name"]?.string == "Default")
    }

    @Test("each missing or wrong variable is named, with what to do", arguments: [
        ("OS_AUTH_URL", nil, "OS_AUTH_URL is not set"),
        ("OS_PASSWORD", nil, "OS_PASSWORD is not set"),
        ("OS_PROJECT_NAME", nil, "OS_PROJECT_NAME"),
        ("OS_AUTH_URL", "http://keystone:5000/v2.0", "Keystone v2.0"),
        ("OS_AUTH_URL", "keystone:5000", "not an http(s) URL"),
        ("OS_INTERFACE", "private", "use public, internal or admin"),
        ("OS_CACERT", "/nonexistent/ca.pem", "cannot be read"),
    ] as [(String, String?, String)])
    func refusals(variable: String, value: String?, expected: String) throws {
        var variables = base
        variables[variable] = value
        let error = #expect(throws: OpenStackCredentialError.self) {
            try OpenStackCredentials(variables: variables, source: "the environment")
        }
        #expect(error?.description.contains(expected) == true, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains("the environment") == true)
    }

    @Test("an application credential needs no user or project")
    func applicationCredential() throws {
        let credentials = try OpenStackCredentials(variables: [
            "OS_AUTH_URL": "https://keystone.example.com/identity/v3", "OS_AUTH_TYPE": "v3applicationcredential",
            "OS_APPLICATION_CREDENTIAL_ID": "abc", "OS_APPLICATION_CREDENTIAL_SECRET": "s3",
        ], source: "test")
        #expect(credentials.secret == .applicationCredential(id: "abc", name: nil, secret: "s3"))
        let body = KeystoneAuthBody.make(credentials)
        #expect(body["auth"]?["identity"]?["application_credential"]?["id"]?.string == "abc")
        #expect(body["auth"]?["scope"] == nil)
    }

    @Test("an openrc file is read without running it: exports, quotes, $VAR, and a prompted password from the environment")
    func rcFile() throws {
        let path = try temporaryFile("""
            #!/usr/bin/env bash
            export OS_AUTH_URL="http://10.0.0.5:5000/v3/"
            export OS_PROJECT_NAME='demo project'
            export OS_USERNAME=demo
            export OS_USER_DOMAIN_NAME=$DOMAIN
            export OS_PROJECT_DOMAIN_NAME=${OS_USER_DOMAIN_NAME}
            echo "Please enter your OpenStack Password: "
            read -sr OS_PASSWORD_INPUT
            export OS_PASSWORD=$OS_PASSWORD_INPUT
            unset OS_TENANT_ID
            """)
        let credentials = try OpenStackCredentials.fromRCFile(path, environment: ["DOMAIN": "corp", "OS_PASSWORD": "typed"])
        #expect(credentials.authURL.absoluteString == "http://10.0.0.5:5000/v3")
        #expect(credentials.projectName == "demo project")
        #expect(credentials.userDomainName == "corp")
        #expect(credentials.projectDomainName == "corp")
        #expect(credentials.secret == .password("typed"))
        #expect(credentials.source.contains(path))
        #expect(throws: OpenStackCredentialError.self) { try OpenStackCredentials.fromRCFile(path, environment: [:]) }
    }

    @Test("clouds.yaml: the named cloud, merged with secure.yaml; an unknown cloud lists the known ones")
    func cloudsYAML() throws {
        let path = try temporaryFile("""
            clouds:
              lab:
                auth:
                  auth_url: http://127.0.0.1:5000
                  username: admin
                  project_name: admin
                  domain_name: Default
                region_name: RegionOne
                interface: public
              other:
                auth: {auth_url: http://x:5000}
            """, name: "clouds.yaml")
        let secure = (path as NSString).deletingLastPathComponent + "/secure.yaml"
        try "clouds:\n  lab:\n    auth:\n      password: hidden\n".write(toFile: secure, atomically: true, encoding: .utf8)
        let credentials = try OpenStackCredentials.fromCloudsYAML(cloud: "lab", environment: [:], searchPaths: [path])
        #expect(credentials.secret == .password("hidden"))
        #expect(credentials.userDomainName == "Default" && credentials.projectDomainName == "Default")
        #expect(credentials.cloudName == "lab")
        let error = #expect(throws: OpenStackCredentialError.self) {
            try OpenStackCredentials.fromCloudsYAML(cloud: "nope", environment: [:], searchPaths: [path])
        }
        #expect(error?.description.contains("lab, other") == true)
    }

    @Test("clouds.yaml: `regions:` gives the first region; $OS_CLIENT_SECURE_FILE names the secrets file; an application credential cloud")
    func cloudsYAMLRegionsAndSecureFile() throws {
        let path = try temporaryFile("""
            clouds:
              listed:
                auth: {auth_url: http://127.0.0.1:5000, username: u, project_name: p}
                regions: [RegionTwo, RegionThree]
              mapped:
                auth: {auth_url: http://127.0.0.1:5000, username: u, project_name: p, password: x}
                regions: [{name: RegionFour, values: {}}]
              app:
                auth_type: v3applicationcredential
                auth: {auth_url: http://127.0.0.1:5000, application_credential_id: ac1}
            """, name: "clouds.yaml")
        let secure = try temporaryFile("""
            clouds:
              listed: {auth: {password: from-secure-file}}
              app: {auth: {application_credential_secret: s3cret}}
            """, name: "elsewhere.yaml")
        let environment = ["OS_CLIENT_SECURE_FILE": secure]
        let listed = try OpenStackCredentials.fromCloudsYAML(cloud: "listed", environment: environment, searchPaths: [path])
        #expect(listed.regionName == "RegionTwo" && listed.secret == .password("from-secure-file"))
        let mapped = try OpenStackCredentials.fromCloudsYAML(cloud: "mapped", environment: [:], searchPaths: [path])
        #expect(mapped.regionName == "RegionFour")
        let app = try OpenStackCredentials.fromCloudsYAML(cloud: "app", environment: environment, searchPaths: [path])
        #expect(app.secret == .applicationCredential(id: "ac1", name: nil, secret: "s3cret"))
        let missing = #expect(throws: OpenStackCredentialError.self) {
            try OpenStackCredentials.fromCloudsYAML(cloud: "app", environment: [:], searchPaths: [path])
        }
        #expect(missing?.description.contains("OS_APPLICATION_CREDENTIAL_SECRET") == true, "\(String(describing: missing))")
    }
}
