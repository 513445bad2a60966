// Values copied from the project's ledger-vectors.json (made-up key, not a real
// account; produced and cross-checked with beem, hive-nectar, coincurve, libsecp256k1
// and node). The tests never read the shared folder; these copies are the reference.
// The JSON bodies are what node's JSON.stringify prints for the vectors' objects.
enum LedgerVectors {
    static let secretHex = "f8bd82432273e66bb4903125f39a0296fd18c9d74bfc995275585f900236e3a0"
    static let wif = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
    static let publicKeyHex = "0265a4660ea5f09578b0d4380e3d56d3c7102abcdd75f0624267ee7e71d0259c63"
    static let publicKey = "STM5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs"
    static let chainIDHex = "beeab0de00000000000000000000000000000000000000000000000000000000"

    struct HiveCase: Sendable {
        let name: String
        let expiration: String
        let json: String
        let serializedHex: String
        let digestHex: String
        let txid: String
        let sigNoLoop: String
        let sigCanonicalLoop: String
        let sigDhiveLoop: String
        let sigBeemRandom: String
        let rpcBody: String
        let refBlockNum: UInt16
        let refBlockPrefix: UInt32
        let noLoopIsCanonical: Bool
    }

    static let hive: [HiveCase] = [
        HiveCase(
            name: #"V1 custom_json push (brief's op)"#,
            expiration: "2024-01-01T00:00:30",
            json: #"{"op":0,"seq":0,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","len":10.0}"#,
            serializedHex: "6c15e51562089e0092650112000105616c6963650a616c6976652d74657374637b226f70223a302c22736571223a302c226c696e6b223a2273747265616d31222c22737263223a22516d5437387a5375426d7553347a393235575a66727151317148614a35364451615466794d55463746386666356f222c226c656e223a31302e307d00",
            digestHex: "22988291d496df0e47454765d9c1fb1c67c58a5346349274716c76a8943ad916",
            txid: "c62b3c4b9b7a20e2e08acdc1f89b5d77dc7dd6ce",
            sigNoLoop: "209309ca548c316fa43383ec05c2478c89ea3155aea3d5da3e5249ae8bbc2002a45bda61fbbe7c658fedc80c51a4320e4315f5d1ba6fb01fad5c452b79213185ef",
            sigCanonicalLoop: "1f4f7e81e132bb1bd0ab268e214974602b328541987825a8836dd5929d18e4b67962d4637c0fb3788af3f5daf18fc8c76ee4aa3796997cbe6a3da585d3ab5e2272",
            sigDhiveLoop: "20668524695fe3d7ea131deab15bfc44d0e8aabc503311a4074728dfc4ed98048574d296548257efe54afea8ad9381373d9e7ce12804b7eaa5ccc0465047d1fcae",
            sigBeemRandom: "2046f82b94823b5bf7c427e63411c7d43c904d84df4c105f50f470d02eff3f5685019eba5223fa36cc9f283a27586321e3de6cf1da8e1aabdc38106d086891e5f3",
            rpcBody: #"{"jsonrpc":"2.0","method":"condenser_api.broadcast_transaction","params":[{"ref_block_num":5484,"ref_block_prefix":140645861,"expiration":"2024-01-01T00:00:30","operations":[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"alive-test","json":"{\"op\":0,\"seq\":0,\"link\":\"stream1\",\"src\":\"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\",\"len\":10.0}"}]],"extensions":[],"signatures":["1f4f7e81e132bb1bd0ab268e214974602b328541987825a8836dd5929d18e4b67962d4637c0fb3788af3f5daf18fc8c76ee4aa3796997cbe6a3da585d3ab5e2272"]}],"id":1}"#,
            refBlockNum: 5484,
            refBlockPrefix: 140645861,
            noLoopIsCanonical: false
        ),
        HiveCase(
            name: #"V2 custom_json configure, json > 127 bytes (2-byte varint) + non-ASCII"#,
            expiration: "2024-01-01T00:59:59",
            json: #"{"op":2,"link":"stream1","pub":"T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s","gw":"https://ipfs.io","note":"café"}"#,
            serializedHex: "6c15e51562088f0e92650112000105616c6963650a616c6976652d746573749f017b226f70223a322c226c696e6b223a2273747265616d31222c22707562223a22542d735f58364d67304c517641415a43306639794372796553467335354f416e746779494835434e396f592e39382d515f6f35414669556a6262616d6c36574544703574635a62335335364c7066596b3738597a625f73222c226777223a2268747470733a2f2f697066732e696f222c226e6f7465223a22636166c3a9227d00",
            digestHex: "84700c0b3084602e99d8a74622b2500b9c2bc6f895bbd3bb1bd1b124a5f4e2d4",
            txid: "a5ed458adcdb51a19946aea12842535c5ea727ef",
            sigNoLoop: "208966d7294ba447f3d581beced5dce4f761455aede6abd7ec3b78086ebc06cfcd1b3ab72df9963d5c06f9e43e09c3e38be4b7a1a30425809f67ce53876fd38f44",
            sigCanonicalLoop: "2073e2379d0f61576207ca4952fd7244e810c80d6404844f2a54a9a2d8cdc7a65930e6953d12e066807bd90a4a5fa9a35d18377a22e9944aae3c346a5f34ee377e",
            sigDhiveLoop: "1f26c0c42209d323bb8c3a54ee318e60dd9408b9ffc8d7d70e4ef809dac6a805c376d1b79fc7826379184ad7c68f60c8331d280996e5023cdaa889474a5c7314d8",
            sigBeemRandom: "1f09e8baeb427df4470708d03ac3e4003b3bfa11c803bf43faa5b02b39360cf493024f0f62a8947b8b75d615db1a42783b86bfead737df56f4dd8a7984ff82e2c0",
            rpcBody: #"{"jsonrpc":"2.0","method":"condenser_api.broadcast_transaction","params":[{"ref_block_num":5484,"ref_block_prefix":140645861,"expiration":"2024-01-01T00:59:59","operations":[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"alive-test","json":"{\"op\":2,\"link\":\"stream1\",\"pub\":\"T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s\",\"gw\":\"https://ipfs.io\",\"note\":\"café\"}"}]],"extensions":[],"signatures":["2073e2379d0f61576207ca4952fd7244e810c80d6404844f2a54a9a2d8cdc7a65930e6953d12e066807bd90a4a5fa9a35d18377a22e9944aae3c346a5f34ee377e"]}],"id":1}"#,
            refBlockNum: 5484,
            refBlockPrefix: 140645861,
            noLoopIsCanonical: false
        ),
        HiveCase(
            name: #"V3 custom_json push, different ref block"#,
            expiration: "2030-06-15T12:34:56",
            json: #"{"op":0,"seq":0,"link":"stream1","src":"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o","len":10.0}"#,
            serializedHex: "3930efbeaddef010b6710112000105616c6963650a616c6976652d74657374637b226f70223a302c22736571223a302c226c696e6b223a2273747265616d31222c22737263223a22516d5437387a5375426d7553347a393235575a66727151317148614a35364451615466794d55463746386666356f222c226c656e223a31302e307d00",
            digestHex: "d49012e471f09465ea7f5a0120f85834b68b28a3f74911d12dd82baffe98e2e3",
            txid: "eb76ab53d07d1a08a4d7c996adf5cda4ce304ec0",
            sigNoLoop: "1f007af7cbe965f362a1bac71aec352cc7388b12effe918a08d7161a10ac02dbbf415b29a2c5e350650644378ac6b10b9876a9a231c4d4c9c25e43ed880ecf8743",
            sigCanonicalLoop: "1f40543d4281ca7368a42cf92c8a9a1adf04687ad50f7be34a6bbb2a08e94fbbc92a6f22d366b82e467e0d74090ce94bb4265ab69de42e2e9036159608adf4b63b",
            sigDhiveLoop: "1f364bef28b5fb7815f3fc89f77f22db5d3d199ad3a9cd883d5841f49387df60966fa47b0169ab626cefbd84f9f6518b23995f519ca036adf763c6696d25945767",
            sigBeemRandom: "1f0f8019d4899ea9006d6655b917b2b927eff0f653bfd496ca82393f09a388f17a43696acc6727d74b67ff6380498a91622d13c301e76f495980cd8cd32c6b6436",
            rpcBody: #"{"jsonrpc":"2.0","method":"condenser_api.broadcast_transaction","params":[{"ref_block_num":12345,"ref_block_prefix":3735928559,"expiration":"2030-06-15T12:34:56","operations":[["custom_json",{"required_auths":[],"required_posting_auths":["alice"],"id":"alive-test","json":"{\"op\":0,\"seq\":0,\"link\":\"stream1\",\"src\":\"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o\",\"len\":10.0}"}]],"extensions":[],"signatures":["1f40543d4281ca7368a42cf92c8a9a1adf04687ad50f7be34a6bbb2a08e94fbbc92a6f22d366b82e467e0d74090ce94bb4265ab69de42e2e9036159608adf4b63b"]}],"id":1}"#,
            refBlockNum: 12345,
            refBlockPrefix: 3735928559,
            noLoopIsCanonical: false
        ),
    ]

    enum SignedMessage {
        static let message = "alice:stream1:alivedb_login:hive:76092780:0489156ce51562088e21cf7aee70bbdf6832965d"
        static let sha256Hex = "550a57500ab006b6b80bb727537b2dc0ef729f4b944d7dabaa65773437fad73d"
        static let signature = "2027a5a15b91183f91e0d60b713e8996a574e2a99dc14eaaa3df6099df83f1e0796965f58d68404f04d39f39587f259ccf605b4fd9e58d1ab35b56ec1558008fec"
        static let docMessage = "aliveprotocol:link1:alivedb_login:hive:76092780:0489156ce51562088e21cf7aee70bbdf6832965d"
        static let docSignature = "1f281a0d00755756a76e6e88f3f84a8f65494dc8d1a37a7a1734575743a3a1d0374e5a63002a43a03cb1c67c94d4c8535625b4ec39394304f7291adaac2eab0ce9"
        static let docPublicKey = "TST62HMqabMDZ1BPB1hvLcon758gM2KNFkT3ZuVbtHJ62WcHmem7R"
    }

    struct AvalonCase: Sendable {
        let name: String
        let priv: String
        let pub: String
        let hashedString: String
        let hash: String
        let signature: String
        let bodySingle: String
        let bodyMultisig: String
        let recid: Int
    }

    static let avalon: [AvalonCase] = [
        AvalonCase(
            name: #"PLAYLIST_JSON (25)"#,
            priv: "HjyiGtmGgu11EmiYgY5PAUiKhwUha4qcExct2zGQiW7y",
            pub: "iJQKCQpkdMG2r9MBzkmUU8V2Fn1ht9LuGgJ4oEjSrAwk",
            hashedString: #"{"type":25,"data":{"link":"stream1","json":{"live":true,"pub":"T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s","l2":"gundb"}},"sender":"alice","ts":1704067200000}"#,
            hash: "82360478fab93db39e313ad2f2b04d5155950ad012bc689b1f3b5466b0f76ca6",
            signature: "31E5a1rGEDZr8W2TjuGw4DWNapKvZJ2Vpp7N4ccYKFnMMXMoAXwDudSRTxNMnxV94QSW8E6XRRN3f2QqhrVkn69Z",
            bodySingle: #"{"type":25,"data":{"link":"stream1","json":{"live":true,"pub":"T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s","l2":"gundb"}},"sender":"alice","ts":1704067200000,"hash":"82360478fab93db39e313ad2f2b04d5155950ad012bc689b1f3b5466b0f76ca6","signature":"31E5a1rGEDZr8W2TjuGw4DWNapKvZJ2Vpp7N4ccYKFnMMXMoAXwDudSRTxNMnxV94QSW8E6XRRN3f2QqhrVkn69Z"}"#,
            bodyMultisig: #"{"type":25,"data":{"link":"stream1","json":{"live":true,"pub":"T-s_X6Mg0LQvAAZC0f9yCryeSFs55OAntgyIH5CN9oY.98-Q_o5AFiUjbbaml6WEDp5tcZb3S56LpfYk78Yzb_s","l2":"gundb"}},"sender":"alice","ts":1704067200000,"hash":"82360478fab93db39e313ad2f2b04d5155950ad012bc689b1f3b5466b0f76ca6","signature":[["31E5a1rGEDZr8W2TjuGw4DWNapKvZJ2Vpp7N4ccYKFnMMXMoAXwDudSRTxNMnxV94QSW8E6XRRN3f2QqhrVkn69Z",1]]}"#,
            recid: 1
        ),
        AvalonCase(
            name: #"PLAYLIST_PUSH (26)"#,
            priv: "HjyiGtmGgu11EmiYgY5PAUiKhwUha4qcExct2zGQiW7y",
            pub: "iJQKCQpkdMG2r9MBzkmUU8V2Fn1ht9LuGgJ4oEjSrAwk",
            hashedString: #"{"type":26,"data":{"link":"stream1","seq":[[0,"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"]]},"sender":"alice","ts":1704067200000}"#,
            hash: "0c384a15d12530c92fcdfdfc1d668cc0b7ed5cf8ef0516a09d6a7f3e6dfc742c",
            signature: "2WsnbvS2qxf1WzQMgeMgfnXRVpmNHXYBd6hLfA4Z3vx6itPpLc9VP5kZahVfXaTfhBokDZg4zkvS2AT5SbZCRwBV",
            bodySingle: #"{"type":26,"data":{"link":"stream1","seq":[[0,"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"]]},"sender":"alice","ts":1704067200000,"hash":"0c384a15d12530c92fcdfdfc1d668cc0b7ed5cf8ef0516a09d6a7f3e6dfc742c","signature":"2WsnbvS2qxf1WzQMgeMgfnXRVpmNHXYBd6hLfA4Z3vx6itPpLc9VP5kZahVfXaTfhBokDZg4zkvS2AT5SbZCRwBV"}"#,
            bodyMultisig: #"{"type":26,"data":{"link":"stream1","seq":[[0,"QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"]]},"sender":"alice","ts":1704067200000,"hash":"0c384a15d12530c92fcdfdfc1d668cc0b7ed5cf8ef0516a09d6a7f3e6dfc742c","signature":[["2WsnbvS2qxf1WzQMgeMgfnXRVpmNHXYBd6hLfA4Z3vx6itPpLc9VP5kZahVfXaTfhBokDZg4zkvS2AT5SbZCRwBV",0]]}"#,
            recid: 0
        ),
    ]
}
