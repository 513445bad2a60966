/// A test's own "this did not happen" error, thrown from a guard to end the test with a reason.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
