/// The AliveDB `/getToken` sign-in: the message
/// `streamer:link:authId:network:headBlockNum:headBlockId`, signed with the posting
/// key over its SHA-256; the request body is the message plus `:` and the signature
/// (65-byte hex). The head block must be recent, so it comes from the node.
public struct AliveDBLoginMessage: Sendable, Equatable {
    public let streamer: String
    public let link: String
    public let authID: String
    public let network: String
    public let headBlockNumber: UInt32
    public let headBlockIDHex: String

    /// `authID` is `/currentUser`'s `authId`; `network` is `hive`.
    public init(streamer: String, link: String, authID: String, network: String = "hive", head: HiveDynamicGlobalProperties) throws {
        try AliveNames.validateHiveAccount(streamer)
        try AliveNames.validateLink(link)
        try AliveNames.validateMessagePart(authID, what: "authId")
        try AliveNames.validateMessagePart(network, what: "network")
        self.streamer = streamer
        self.link = link
        self.authID = authID
        self.network = network
        headBlockNumber = head.headBlockNumber
        headBlockIDHex = head.headBlockIDHex
    }

    /// The signed text (the first six parts).
    public var text: String {
        [streamer, link, authID, network, String(headBlockNumber), headBlockIDHex].joined(separator: ":")
    }

    /// The `text/plain` body of `POST /getToken`.
    public func tokenRequestBody(signer: HiveSigner) throws -> String {
        text + ":" + (try signer.signMessage(text).hex)
    }
}
