import Agent
import Testing

@Suite struct TargetURLTests {
    @Test func plainHTTPGetsDefaults() throws {
        let url = try TargetURL(parsing: "http://example.com")
        #expect(url.scheme == .http)
        #expect(url.host == "example.com")
        #expect(url.port == 80)
        #expect(url.path == "/")
        #expect(url.hostHeader == "example.com")
    }

    @Test func httpsPortPathAndQuery() throws {
        let url = try TargetURL(parsing: "HTTPS://127.0.0.1:8443/a/b.html?x=1&y=2#frag")
        #expect(url.scheme == .https)
        #expect(url.host == "127.0.0.1")
        #expect(url.port == 8443)
        #expect(url.path == "/a/b.html?x=1&y=2")
        #expect(url.hostHeader == "127.0.0.1:8443")
        #expect(url.description == "https://127.0.0.1:8443/a/b.html?x=1&y=2")
    }

    @Test func defaultHTTPSPortIsLeftOutOfTheHostHeader() throws {
        let url = try TargetURL(parsing: "https://example.com:443/")
        #expect(url.port == 443)
        #expect(url.hostHeader == "example.com")
    }

    @Test func bracketedIPv6() throws {
        let url = try TargetURL(parsing: "http://[::1]:8080/index.html")
        #expect(url.host == "::1")
        #expect(url.port == 8080)
        #expect(url.hostHeader == "[::1]:8080")
        #expect(try TargetURL(parsing: "http://[fe80::1]").port == 80)
    }

    @Test func queryWithoutPath() throws {
        #expect(try TargetURL(parsing: "http://h?q=1").path == "/?q=1")
    }

    @Test(arguments: [
        ("example.com/", "not a URL"),
        ("ftp://example.com/", "only http and https"),
        ("http:///path", "no host"),
        ("http://:8080/", "no host"),
        ("http://host:0/", "port 0"),
        ("http://host:65536/", "port 65536"),
        ("http://host:99999999/", "not a port number"),
        ("http://host:/", "not a port number"),
        ("http://host:80x/", "not a port number"),
        ("http://[::1/", "closing"),
        ("http://[nothex]/", "not an IPv6"),
        ("http://::1/", "brackets"),
        ("http://user@host/", "user name"),
        ("http://ho st/", "white space"),
        ("http://hö/", "not a host name"),
    ])
    func rejectsWithAReason(text: String, reason: String) {
        #expect {
            try TargetURL(parsing: text)
        } throws: { error in
            "\(error)".contains(reason) && "\(error)".contains(text)
        }
    }
}
