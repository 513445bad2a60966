import Testing
@testable import AliveMedia
@Test func placeholderVersion() { #expect(!AliveMedia.version.isEmpty) }
