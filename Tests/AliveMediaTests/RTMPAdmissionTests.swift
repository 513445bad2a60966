import NIOCore
import NIOEmbedded
import Testing
@testable import AliveMedia

/// The slot and memory rules for strangers (connections without an accepted publish).
struct RTMPAdmissionTests {
    private func admitted(_ decision: RTMPAdmission.Decision) -> (Bool, Channel?) {
        if case .admitted(let evicted) = decision { return (true, evicted) }
        return (false, nil)
    }

    @Test func anAddressAtItsCapIsRefusedWithoutEvictingAnyone() {
        let admission = RTMPAdmission(limits: .init(maxConnections: 16, maxPerAddress: 2))
        let first = EmbeddedChannel(), second = EmbeddedChannel(), third = EmbeddedChannel()
        #expect(admitted(admission.admit(first, address: "10.0.0.5")).0)
        #expect(admitted(admission.admit(second, address: "10.0.0.5")).0)
        guard case .refused(let reason) = admission.admit(third, address: "10.0.0.5") else {
            Issue.record("third connection from one address admitted")
            return
        }
        #expect(reason.contains("at most 2"))
        #expect(admitted(admission.admit(third, address: "10.0.0.6")).0, "another address is not affected")
        admission.remove(ObjectIdentifier(first))
        #expect(admitted(admission.admit(EmbeddedChannel(), address: "10.0.0.5")).0, "a closed connection frees its address's slot")
    }

    @Test func whenEverySlotIsTakenTheOldestStrangerMakesRoomNeverThePublisher() {
        let admission = RTMPAdmission(limits: .init(maxConnections: 3, maxPerAddress: 3))
        let publisher = EmbeddedChannel(), older = EmbeddedChannel(), newer = EmbeddedChannel()
        #expect(admitted(admission.admit(publisher, address: "a")).0)
        admission.setPublished(ObjectIdentifier(publisher), true)
        #expect(admitted(admission.admit(older, address: "b")).0)
        #expect(admitted(admission.admit(newer, address: "c")).0)
        let (ok, evicted) = admitted(admission.admit(EmbeddedChannel(), address: "d"))
        #expect(ok)
        #expect(evicted === older, "the oldest connection without a publish is evicted")
        #expect(admission.connectionCount == 3)
        let (ok2, evicted2) = admitted(admission.admit(EmbeddedChannel(), address: "e"))
        #expect(ok2 && evicted2 === newer)
    }

    @Test func onlyPublishersLeftMeansRefused() {
        let admission = RTMPAdmission(limits: .init(maxConnections: 1, maxPerAddress: 1))
        let publisher = EmbeddedChannel()
        #expect(admitted(admission.admit(publisher, address: "a")).0)
        admission.setPublished(ObjectIdentifier(publisher), true)
        guard case .refused = admission.admit(EmbeddedChannel(), address: "b") else {
            Issue.record("a publisher was evicted")
            return
        }
    }

    @Test func strangersShareOneBudgetAndAPublisherLeavesIt() {
        let admission = RTMPAdmission(limits: .init(maxConnections: 16, maxPerAddress: 16, strangerBudgetBytes: 100_000))
        let a = EmbeddedChannel(), b = EmbeddedChannel()
        _ = admission.admit(a, address: "x")
        _ = admission.admit(b, address: "y")
        #expect(admission.hold(ObjectIdentifier(a), bytes: 60_000))
        #expect(!admission.hold(ObjectIdentifier(b), bytes: 60_000), "past the box-wide budget")
        #expect(admission.strangerBytes == 60_000, "a refused hold records nothing")
        #expect(admission.hold(ObjectIdentifier(b), bytes: 40_000))
        #expect(admission.hold(ObjectIdentifier(a), bytes: 10_000), "a connection's own figure is replaced, not added")
        #expect(admission.strangerBytes == 50_000)
        admission.setPublished(ObjectIdentifier(a), true)
        #expect(admission.strangerBytes == 40_000)
        #expect(admission.hold(ObjectIdentifier(a), bytes: 8_000_000), "a publisher is bounded by the full limits, not this budget")
        #expect(admission.strangerBytes == 40_000)
        admission.remove(ObjectIdentifier(b))
        #expect(admission.strangerBytes == 0)
    }
}
