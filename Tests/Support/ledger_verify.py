"""Independent verifier for the AliveLedger tests (run through .venv/bin/python).

Reads a JSON file (path = last argument) made by the Swift tests and checks it with
libraries that share no code with ours:
  - hive: each signed transaction is rebuilt by hive-nectar from its JSON; nectar's
    own serialization must equal our bytes, its recovered signer must be the
    expected key (Signed_Transaction.verify with recover_parameter=True), the id is
    recomputed with hashlib, and the signature must be fc-canonical and low-S.
  - messages: nectar's verify_message recovers the signer of an AliveDB login.
  - avalon: the hash is recomputed over the JSON text with hashlib, the signer is
    recovered and the signature verified with coincurve, keys decoded with base58.
Prints one line per case ("ok <kind> <n>" or "FAIL <kind> <n>: <reason>") and the
closing line "<ok> passed, <failed> failed"; exits 1 when anything failed.
"""
import hashlib
import json
import sys

import base58
import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from nectarbase.signedtransactions import Signed_Transaction
from nectargraphenebase.account import PublicKey
from nectargraphenebase.ecdsasig import verify_message

CURVE_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def check_hive_signature_form(sig_hex):
    sig = bytes.fromhex(sig_hex)
    assert len(sig) == 65, "signature is not 65 bytes"
    assert 31 <= sig[0] <= 34, "header byte is not 27 + 4 + recid"
    r, s = sig[1:33], sig[33:]
    assert not (r[0] & 0x80) and not (r[0] == 0 and not (r[1] & 0x80)), "r is not fc-canonical"
    assert not (s[0] & 0x80) and not (s[0] == 0 and not (s[1] & 0x80)), "s is not fc-canonical"
    assert int.from_bytes(s, "big") <= CURVE_ORDER // 2, "s is not low"


def verify_hive(case):
    chain = {"chain_id": case["chain_id"], "prefix": case["prefix"]}
    tx = json.loads(case["tx_json"])
    signed = Signed_Transaction(**tx)
    signed.deriveDigest(chain)
    serialized = signed.message[32:]
    assert serialized.hex() == case["serialized_hex"], "nectar serializes other bytes"
    assert hashlib.sha256(serialized).digest()[:20].hex() == case["txid"], "transaction id differs"
    assert len(tx["signatures"]) == 1, "expected exactly one signature"
    check_hive_signature_form(tx["signatures"][0])
    recovered = signed.verify(chain=chain, recover_parameter=True)
    expected = PublicKey(case["pubkey"], prefix=case["prefix"])
    # As HIVE.md says: take nectar's recovered keys and compare them ourselves (its
    # own pubkeys= check compares another key form).
    assert recovered == [bytes(expected).hex()], "signature recovers to %s" % recovered


def verify_message_case(case):
    check_hive_signature_form(case["signature"])
    recovered = verify_message(case["message"], bytes.fromhex(case["signature"]))
    expected = PublicKey(case["pubkey"], prefix=case["prefix"])
    assert recovered == bytes(expected), "message signature recovers to another key"


def verify_avalon(case):
    body = json.loads(case["body"])
    unsigned = {k: body[k] for k in ("type", "data", "sender", "ts")}
    text = json.dumps(unsigned, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    assert digest.hex() == body["hash"], "hash is not SHA-256 of the compact JSON"
    [[sig_b58, recid]] = body["signature"]
    compact = base58.b58decode(sig_b58)
    assert len(compact) == 64, "signature is not 64 bytes"
    pub = base58.b58decode(case["pub"])
    recovered = coincurve.PublicKey.from_signature_and_message(compact + bytes([recid]), digest, hasher=None)
    assert recovered.format(compressed=True) == pub, "signature recovers to another key"
    der = cdata_to_der(deserialize_compact(compact))
    assert coincurve.PublicKey(pub).verify(der, digest, hasher=None), "coincurve does not verify"


def main():
    with open(sys.argv[-1], encoding="utf-8") as f:
        request = json.load(f)
    passed = failed = 0
    for kind, check in (("hive", verify_hive), ("messages", verify_message_case), ("avalon", verify_avalon)):
        for n, case in enumerate(request.get(kind, [])):
            try:
                check(case)
                print("ok %s %d" % (kind, n))
                passed += 1
            except Exception as error:  # report every failing case, not just the first
                print("FAIL %s %d: %s" % (kind, n, error))
                failed += 1
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
