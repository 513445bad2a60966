import Hummingbird
import NIOCore

/// Per-request context: Hummingbird's core plus the peer address (login rate limits), a
/// small body limit (every API body is a few hundred bytes of JSON) and the caller's
/// session on the routes behind `SessionMiddleware`.
public struct ControlRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// Set by `SessionMiddleware`; nil on the open routes.
    var session: AuthenticatedSession?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { 64 * 1024 }

    var peer: String { remoteAddress?.ipAddress ?? "unknown" }
}
