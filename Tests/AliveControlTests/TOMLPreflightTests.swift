import Testing
@testable import AliveControl

/// The texts that abort toml++ 3.4.0 (each one was run against TOMLKit 0.6.0 and aborted it
/// with an assertion) are refused with their line; look-alikes that are valid TOML are not.
/// Were the guard to miss one, this test process would abort.
struct TOMLPreflightTests {
    static let traps: [(text: String, line: Int)] = [
        ("[}", 1), ("[ }", 1), ("[[}", 1), ("[\t}", 1), ("[=", 1), ("[,", 1), ("[#", 1), ("[ #", 1), ("[\n", 1), ("[[ =", 1), ("[.a]", 1),
        ("[a]\n[}", 2), ("x = \"\"\"a\"\"\"\n[}", 2), ("x = '''a'''''\n[}", 2), ("\u{FEFF}[}", 1),
        ("x = [}", 1), ("x = [ }", 1), ("x = [1,}", 1), ("x = [1, [}]]", 1), ("x = [[}]]", 1), ("x = [\n}", 2), ("x = [\r\n}", 2),
        ("x = [ # c\n}", 2), ("x = [\n# c\n }", 3), ("a.b = [}", 1), ("\"k\" = [}", 1), ("x = {\"a\"=[}}", 1), ("x = {a={b={c=[}}}}", 1),
        ("x = {a = [1,}}", 1), ("data_dir = \"x\"\u{0}[}", 1), ("x = 1\n\n\u{0}", 3),
    ]

    @Test func textsThatWouldAbortTheReaderAreRefusedWithTheirLine() {
        for (text, line) in Self.traps {
            do {
                _ = try BoxConfiguration.parse(toml: text)
                Issue.record("accepted \(text.debugDescription)")
            } catch let error as ConfigurationError {
                #expect(error.problems.count == 1 && error.problems[0].path == "(file)", "\(text.debugDescription): \(error)")
                #expect(error.problems.first?.reason.hasPrefix("line \(line): ") == true, "\(text.debugDescription): \(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    /// Brackets and braces where TOML allows them: inside strings of every kind, comments,
    /// nested and multi-line arrays, arrays of inline tables, a date with a space.
    @Test func validLookAlikesAreLeftToTheReader() throws {
        let text = """
            \u{FEFF}# a comment with [} in it
            [publishing]
            a = "[}"
            b = '[}'
            c = \"\"\"
            [}
            x = [}
            \"\"\"
            d = '''
            [}'''''
            e = [
              [1, 2],   # [}
              [ ],
              [
                "}",
              ],
            ]
            f = [ { g = [1, { h = [] }] }, {} ]
            i = 1979-05-27 07:32:00Z
            "j [}" = { "k}" = ['['] }
            l = "a\\"[}"
            [publishing.m] # [}
            [[publishing.n]]
            o = ["x", ] # trailing comma
            [storage]
            backend = "box"
            """
        #expect(TOMLPreflight.problem(in: text) == nil)
        let configuration = try BoxConfiguration.parse(toml: text)
        guard case .table(let publishing)? = configuration.publishing else { Issue.record("no publishing table"); return }
        #expect(publishing["c"] == .string("[}\nx = [}\n"))
        #expect(publishing["d"] == .string("[}''"))
        #expect(publishing["l"] == .string("a\"[}"))
        #expect(publishing.count == 11, "\(publishing.keys.sorted())")
    }
}
