@testable import AliveBox
import Foundation
import Testing

@Suite struct SystemdNotifierTests {
    @Test(arguments: [false, true])
    func sendsOneDatagramToThePathOrAbstractSocket(abstract: Bool) throws {
        let listener = try DatagramListener(abstract: abstract)
        let notifier = try #require(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": listener.address]))
        defer { notifier.close() }
        try notifier.notify([("READY", "1"), ("STATUS", "publishing\nfrom two lines")])
        #expect(listener.receive(timeout: 2) == "READY=1\nSTATUS=publishing from two lines")
        try notifier.notify([("WATCHDOG", "1")])
        #expect(listener.receive(timeout: 2) == "WATCHDOG=1")
    }

    @Test func withoutNotifySocketThereIsNoNotifier() throws {
        #expect(try SystemdNotifier.fromEnvironment([:]) == nil)
        #expect(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": ""]) == nil)
    }

    @Test func refusesAddressesItCannotReach() {
        #expect(throws: SystemdNotifier.Failure.unsupportedAddress("vsock:2:1234")) {
            try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "vsock:2:1234"])
        }
        #expect(throws: SystemdNotifier.Failure.unsupportedAddress("@")) {
            try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": "@"])
        }
        let long = "/" + String(repeating: "x", count: 108)
        #expect(throws: SystemdNotifier.Failure.addressTooLong(long)) {
            try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": long])
        }
    }

    @Test func watchdogIntervalIsForThisProcessOnly() throws {
        let socket = "@alived-unused"
        let mine = try #require(try SystemdNotifier.fromEnvironment(
            ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "\(getpid())"]))
        #expect(mine.watchdogTimeout == .seconds(20))
        let unnamed = try #require(try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "500000"]))
        #expect(unnamed.watchdogTimeout == .milliseconds(500))
        let parents = try #require(try SystemdNotifier.fromEnvironment(
            ["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "20000000", "WATCHDOG_PID": "\(getpid() + 1)"]))
        #expect(parents.watchdogTimeout == nil)
        #expect(throws: SystemdNotifier.Failure.invalidWatchdogInterval("0")) {
            try SystemdNotifier.fromEnvironment(["NOTIFY_SOCKET": socket, "WATCHDOG_USEC": "0"])
        }
    }

    @Test func sendingAfterCloseIsAnError() throws {
        let listener = try DatagramListener(abstract: true)
        let notifier = try SystemdNotifier(address: listener.address)
        notifier.close()
        #expect(throws: SystemdNotifier.Failure.closed) { try notifier.send("READY=1") }
    }

    @Test func aMissingListenerIsReportedNotIgnored() throws {
        let notifier = try SystemdNotifier(address: "/nonexistent/alived-notify")
        #expect(throws: SystemdNotifier.Failure.send(errno: ENOENT)) { try notifier.send("READY=1") }
    }
}
