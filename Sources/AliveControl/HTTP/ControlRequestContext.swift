import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core plus the peer address (login rate limits) and a
/// small body limit (every API body is a few hundred bytes of JSON).
public struct ControlRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { 64 * 1024 }

    var peer: String { remoteAddress?.ipAddress ?? "unknown" }
}
