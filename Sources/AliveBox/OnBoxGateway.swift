import AliveControl
import AliveStorage

/// The box's own store as the control plane's `/ipfs/<cid>` gateway sees it.
extension GatewayContent {
    init(_ item: OnBoxContent.Item) {
        switch item {
        case .segment(let sequence): self = .ringSegment(sequence: sequence)
        case .chunk(let bytes): self = .chunk(bytes)
        }
    }
}
