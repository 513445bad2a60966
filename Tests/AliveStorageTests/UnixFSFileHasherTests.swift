import Testing
@testable import AliveStorage

@Suite struct UnixFSFileHasherTests {
    @Test func emptyFileMatchesKuboWellKnownCID() {
        #expect(UnixFSFileHasher(version: .v0).cid(of: OwnedBytes([])).description == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
    }
}
