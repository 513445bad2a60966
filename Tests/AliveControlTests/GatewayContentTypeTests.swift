import Testing
@testable import AliveControl

/// The box's own gateway types a chunk as Kubo's would (boxo → gabriel-vasile/mimetype).
/// Each expectation below is what Debian's mimetype 1.4.1 (`mimetype.Detect`) answered
/// for the same bytes; HAlive takes only an exact `text/csv`.
@Suite struct GatewayContentTypeTests {
    @Test(arguments: [
        ("Qm1,2\nQm2,3", "text/csv"),
        ("Qm1,2,\nQm2,3,d", "text/csv"),                    // alived's marked chunk: three fields a line
        ("Qm1,2\nQm2,3,d", "text/plain; charset=utf-8"),   // a mark on one line only: not one CSV
        ("Qm1,2", "text/plain; charset=utf-8"),            // one line is not a CSV
        ("Qm1,2,d", "text/plain; charset=utf-8"),
        ("a\nb", "text/plain; charset=utf-8"),             // one field a line
        ("Qm1,2\r\nQm2,3", "text/csv"),
        ("Qm1,2\n#x\nQm2,3", "text/csv"),                  // '#' lines are comments
        ("", "text/plain"),
    ])
    func typedAsMimetypeTypesIt(text: String, type: String) {
        #expect(ControlServer.contentType(ofChunk: Array(text.utf8)) == type)
    }
}
