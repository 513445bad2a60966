import Testing
@testable import AlivePublish

/// The publisher's phase on its own: inputs in, actions out.
struct PublisherLifecycleTests {
    private let deadline = ContinuousClock.now + .seconds(30)

    @Test func runsOnceThroughEveryPhase() {
        var lifecycle = PublisherLifecycle()
        #expect(lifecycle.phase == .idle)
        #expect(lifecycle.run() == .start)
        #expect(lifecycle.phase == .starting)
        #expect(lifecycle.run() == .refuseSecondRun)
        #expect(lifecycle.phase == .starting, "a refused second run changes nothing")
        lifecycle.started()
        #expect(lifecycle.phase == .running)
        lifecycle.flushing()
        #expect(lifecycle.phase == .stopping)
        lifecycle.started()
        #expect(lifecycle.phase == .stopping, "never back to running")
        lifecycle.finished(failed: false)
        #expect(lifecycle.phase == .stopped)
        #expect(lifecycle.run() == .refuseSecondRun)
    }

    @Test func aStartThatFailsEndsFailed() {
        var lifecycle = PublisherLifecycle()
        _ = lifecycle.run()
        lifecycle.finished(failed: true)
        #expect(lifecycle.phase == .failed)
        lifecycle.flushing()
        #expect(lifecycle.phase == .failed)
    }

    @Test func aStopDuringTheStartGoesStraightToFlushing() {
        var lifecycle = PublisherLifecycle()
        _ = lifecycle.run()
        lifecycle.flushing()
        #expect(lifecycle.phase == .stopping)
    }

    @Test func finishingWithoutARunStaysIdle() {
        var lifecycle = PublisherLifecycle()
        lifecycle.finished(failed: true)
        lifecycle.started()
        #expect(lifecycle.phase == .idle)
    }

    @Test func theFirstStopSetsTheDeadlineALaterOneOnlyAddsTheEnd() {
        var lifecycle = PublisherLifecycle()
        #expect(!lifecycle.isStopRequested)
        // Asked for before the run: kept, the run sees it at once.
        #expect(lifecycle.requestStop(deadline: deadline, endStream: false) == .wake)
        #expect(lifecycle.isStopRequested)
        #expect(lifecycle.stopRequest == PublisherLifecycle.StopRequest(deadline: deadline, endStream: false))
        #expect(lifecycle.requestStop(deadline: deadline + .seconds(5), endStream: false) == .none)
        #expect(lifecycle.stopRequest?.deadline == deadline)
        #expect(lifecycle.requestStop(deadline: deadline + .seconds(5), endStream: true) == .wake)
        #expect(lifecycle.stopRequest == PublisherLifecycle.StopRequest(deadline: deadline, endStream: true))
        #expect(lifecycle.requestStop(deadline: deadline, endStream: true) == .none)
        #expect(lifecycle.requestStop(deadline: deadline, endStream: false) == .none)
        #expect(lifecycle.stopRequest?.endStream == true, "an end asked for is never taken back")
        #expect(lifecycle.phase == .idle, "a stop request does not move the phase")
        #expect(lifecycle.run() == .start)
    }

    @Test func anEndCanBeTheFirstRequest() {
        var lifecycle = PublisherLifecycle()
        _ = lifecycle.run()
        lifecycle.started()
        #expect(lifecycle.requestStop(deadline: deadline, endStream: true) == .wake)
        #expect(lifecycle.stopRequest == PublisherLifecycle.StopRequest(deadline: deadline, endStream: true))
        #expect(lifecycle.phase == .running)
    }
}
