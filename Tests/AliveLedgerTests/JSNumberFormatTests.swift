import Testing
@testable import AliveLedger

@Suite struct JSNumberFormatTests {
    @Test(arguments: [
        (10.0, "10"), (10.033, "10.033"), (0.1, "0.1"), (-0.0, "0"), (1.5, "1.5"), (100.0, "100"),
        (1e21, "1e+21"), (1e20, "100000000000000000000"), (123456789012345680000.0, "123456789012345680000"),
        (1e-6, "0.000001"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (0.000123, "0.000123"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-2.5e-10, "-2.5e-10"),
        (9007199254740993.0, "9007199254740992"), (0.30000000000000004, "0.30000000000000004"), (2.0 / 3.0, "0.6666666666666666"),
    ])
    func printsLikeJavaScript(value: Double, expected: String) throws {
        #expect(try JSNumberFormat.string(value) == expected)
    }

    /// node's own `String(x)` is the reference for thousands of doubles: random bit
    /// patterns (every exponent) and 3-decimal durations as the box prints them.
    @Test func agreesWithNodeOnManyDoubles() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = []
        while values.count < 4_000 {
            let value = Double(bitPattern: generator.next())
            if value.isFinite { values.append(value) }
        }
        values += (1..<2_000).map { Double($0) / 1_000 }
        values += (0..<1_000).map { _ in (Double.random(in: 0.001..<100, using: &generator) * 1_000).rounded() / 1_000 }
        for i in 0..<200 {
            let power = Double(UInt64(1) << UInt64(i % 62))
            values.append(power * (1 + Double(i) / 7))
        }

        let input = values.map { String($0.bitPattern, radix: 16) }.joined(separator: "\n")
        let output = try ExternalProgram.run(
            ExternalProgram.node, [ExternalProgram.supportScript("js_number_strings.js")], input: input, timeout: .seconds(30))
        let expected = output.split(separator: "\n").map(String.init)
        try #require(expected.count == values.count)
        var mismatches: [String] = []
        for (value, nodeText) in zip(values, expected) {
            let ours = try JSNumberFormat.string(value)
            if ours != nodeText { mismatches.append("\(value.bitPattern): ours \(ours) node \(nodeText)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }
}
