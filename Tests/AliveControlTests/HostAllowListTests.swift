import Testing
@testable import AliveControl

/// The names the page and the API answer to (DNS rebinding).
struct HostAllowListTests {
    @Test(arguments: ["127.0.0.1:8080", "192.168.1.20", "[::1]:8080", "[fe80::1]", "localhost:8080", "LOCALHOST", "alive-box-1",
                      "alive-box-1.local:8080", "Alive-Box-1.local.", "box.venue", "box.venue:80"])
    func theBoxsOwnNamesAreAllowed(host: String) {
        #expect(HostAllowList.allows(host, hostname: "alive-box-1", configured: ["box.venue"]))
    }

    @Test(arguments: ["evil.example", "evil.example:8080", "alive-box-1.evil.example", "127.0.0.1.evil.example", "", ":8080",
                      "192.168.1.20:80x", "[::1", "box.venue.evil", "local", "alive-box-1x.local"])
    func otherNamesAreRefused(host: String) {
        #expect(!HostAllowList.allows(host, hostname: "alive-box-1", configured: ["box.venue"]))
    }

    @Test func configuredNamesAreValidated() {
        #expect(HostAllowList.isValidName("box.venue"))
        for bad in ["", "box.venue:8080", "http://box", "box venue", ".box", String(repeating: "a", count: 254)] {
            #expect(!HostAllowList.isValidName(bad), "\(bad)")
        }
    }
}
