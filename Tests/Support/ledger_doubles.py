#!/usr/bin/env python3
"""Loopback doubles of the services the publisher talks to, for AlivePublish's tests
and benchmark. One process, one simulated chain clock, several HTTP servers:

  hive0 … hiveN-1  Hive API nodes (JSON-RPC 2.0) over ONE shared chain, so a
                   transaction accepted by one node is a duplicate on the others.
  avalon           an Avalon node (REST).
  alivedb          an AliveDB peer's HTTP API (REST).
  control          test control, state dump, and the HAlive indexer's
                   GET /get_stream_info.

Everything that decides acceptance is checked with libraries that share no code
with alived: hive-nectar rebuilds each Hive transaction from its JSON, serializes
it itself and recovers the signer (Signed_Transaction.verify, recover_parameter=True)
and AliveDB login messages (verify_message); coincurve and base58 check Avalon
transactions over the JSON text Python prints for {type, data, sender, ts}.

The chain: a block every --block-interval wall seconds, each --block-seconds of chain
time later than the previous one, starting at --genesis-time (NOT the local clock: a
box that used its own clock for expirations or timestamps is refused). The last
irreversible block trails the head by --lib-lag blocks.

Hive node methods (what hived answers, to the extent the box relies on it):
  condenser_api.get_dynamic_global_properties  head_block_number, head_block_id, time,
                                               last_irreversible_block_num
  condenser_api.get_accounts [[names]]         posting authority (key_auths, threshold)
  condenser_api.broadcast_transaction [tx]     checks, in hived's order: duplicate
      ("Duplicate transaction check failed"), signatures vs. the posting authority of
      every required_posting_auths account ("Missing Posting Authority"), TaPoS
      (ref_block_num/prefix of a recent block), expiration (head time < expiration
      <= head time + 3600); custom_json id <= 32 bytes and json valid JSON. Accepted
      transactions go to the mempool and into the next block (if still unexpired).
  transaction_status_api.find_transaction {transaction_id, expiration}
      within_mempool | within_reversible_block | within_irreversible_block |
      expired_reversible | expired_irreversible | unknown (hived's rules), and
      too_old for expirations more than --track-seconds behind head time
  condenser_api.get_transaction [id]           the included transaction with block_num,
                                               or the error "Unknown Transaction"
Avalon: POST /transact (hash, signature, ts within 60 s of the chain's time, playlist
  exists for type 26, "transaction already in chain" for a recent duplicate),
  GET /count, /block/<n>, /account/<name>, /playlist/<author>/<link>.
AliveDB: GET /currentUser, POST /loginUser, POST /getToken (text/plain
  streamer:link:authId:network:headBlockNum:headBlockId:signature; the head block must
  be one of the last 20 of the chain and the signer one of the streamer's posting
  keys), POST /pushStream (Bearer token), GET /getStream.
Control (all JSON):
  GET  /__state                 everything accepted / refused so far
                                (accepted ops carry broadcast_ns, AliveDB items arrival_ns:
                                wall-clock time.time_ns() of the request's arrival)
  POST /__mode?target=T&set=M[&only=method,…]
        T: hive0…, avalon, alivedb; M: normal | down (close without answer) |
        error500 (500, not processed) | hang (no answer, not processed) |
        accept500 (processed, then 500) | accepthang (processed, then no answer) |
        blackhole (broadcast answered as accepted but dropped) | flap (every other
        request: down); `only` limits the mode to those RPC methods / paths.
  POST /__revoke_tokens         AliveDB forgets every access token (next push: 401)
  GET  /get_stream_info?stream_author=&stream_link=   HAlive indexer double: HAlive's
        answer by its own rules (halive.py) over the irreversible blocks: 200 with
        {"error": "Stream does not exist"} (or "Streamer …") when unknown, else the stream
        (chunk_finalized, chunk_head, ended, l2_protocol, l2_pub, last_streamed, …)

Usage: ledger_doubles.py --accounts FILE [--hive-nodes N] [--chain-id HEX] [--prefix TST]
         [--block-interval S] [--block-seconds S] [--lib-lag N] [--genesis-time T] [--track-seconds S]
Prints "READY <json of ports>" when serving; stops on SIGTERM or when stdin closes.
"""
import argparse
import base64
import calendar
import hashlib
import json
import os
import secrets
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import base58
import coincurve
from coincurve.ecdsa import cdata_to_der, deserialize_compact
from nectarbase.signedtransactions import Signed_Transaction
from nectargraphenebase.account import PublicKey
from nectargraphenebase.ecdsasig import verify_message

from halive import HAlive
from ledger_verify import check_hive_signature_form

MAX_BODY = 1 << 20
HANG_SECONDS = 60
MAX_TIME_UNTIL_EXPIRATION = 3600
AVALON_TX_WINDOW_MS = 60000
LOGIN_BLOCK_WINDOW = 20


def hive_time(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def parse_hive_time(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%S"))


# The AliveDB user the double is logged in as (GET /currentUser; GET /getStream reads its graph).
ALIVEDB_PUB = "alivedb-double-pub.key"

class RPCError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class Chain:
    """Hive and Avalon state over one clock. Every access holds `lock`."""

    def __init__(self, args, accounts):
        self.lock = threading.Lock()
        self.chain_id = args.chain_id
        self.prefix = args.prefix
        self.block_seconds = args.block_seconds
        self.lib_lag = args.lib_lag
        self.track_seconds = args.track_seconds
        self.seed = secrets.token_bytes(8)
        self.accounts = accounts
        # Hive
        self.head = args.genesis_block
        self.time = parse_hive_time(args.genesis_time)
        self.blocks = {}          # num -> {"id": hex, "time": s, "txs": [txid]}
        self.summary = {}         # num & 0xffff -> block id hex (TaPoS)
        self._add_block(self.head, self.time, [])
        self.mempool = {}         # txid -> (tx json, expiration)
        self.included = {}        # txid -> {"block": n, "trx_in_block": i, "tx": tx, "expiration": s}
        self.accepted_ops = []    # custom_json ops in block order
        self.broadcast_calls = {}
        self.accepted_at = {}     # txid -> wall-clock ns (time.time_ns) its broadcast arrived and was accepted
        self.refusals = []
        # Avalon
        self.avalon_head = 1
        self.avalon_blocks = {1: {"_id": 1, "timestamp": self.time * 1000, "txs": []}}
        self.avalon_pool = {}     # hash -> tx
        self.avalon_recent = {}   # hash -> block num
        self.avalon_ops = []
        self.playlists = {}       # "author/link" -> {...}
        self.transact_calls = 0
        self.avalon_refusals = []
        # AliveDB
        self.auth_id = secrets.token_hex(8)
        self.tokens = {}
        self.alivedb_items = []
        # The HAlive indexer double: HAlive's rules over the irreversible operations.
        self.indexer = HAlive(gateway=None)
        self.indexer_lock = threading.Lock()
        self.alivedb_lookups = 0  # GET /getStream calls
        self.alivedb_refusals = []
        self.signins = 0
        self.logged_in = not args.alivedb_logged_out
        self.alivedb_user_key = args.alivedb_user_key

    # -- blocks -----------------------------------------------------------
    def _block_id(self, num):
        return num.to_bytes(4, "big").hex() + hashlib.sha256(self.seed + num.to_bytes(8, "big")).digest()[:16].hex()

    def _add_block(self, num, when, txids):
        block_id = self._block_id(num)
        self.blocks[num] = {"id": block_id, "time": when, "txs": txids}
        self.summary[num & 0xFFFF] = block_id

    @property
    def lib(self):
        return max(self.head - self.lib_lag, min(self.blocks))

    def produce_block(self):
        with self.lock:
            num = self.head + 1
            when = self.time + self.block_seconds
            txids = []
            for txid, (tx, expiration) in list(self.mempool.items()):
                del self.mempool[txid]
                if when >= expiration:
                    continue  # expired while pending: dropped, never included
                self.included[txid] = {"block": num, "trx_in_block": len(txids), "tx": tx, "expiration": expiration}
                for name, body in tx["operations"]:
                    record = {"block": num, "time": hive_time(when), "txid": txid, "op": name, "id": body.get("id"),
                              "required_posting_auths": body.get("required_posting_auths"),
                              "broadcast_ns": self.accepted_at.get(txid)}
                    if name == "custom_json":
                        record["json"] = json.loads(body["json"])
                    self.accepted_ops.append(record)
                txids.append(txid)
            self.head = num
            self.time = when
            self._add_block(num, when, txids)
            # Avalon block at the same instant.
            anum = self.avalon_head + 1
            executed = []
            for tx_hash, tx in list(self.avalon_pool.items()):
                del self.avalon_pool[tx_hash]
                if when * 1000 - tx["ts"] > AVALON_TX_WINDOW_MS:
                    continue
                key = tx["sender"] + "/" + tx["data"]["link"]
                if tx["type"] == 25:
                    current = self.playlists.get(key)
                    self.playlists[key] = {"_id": key, "author": tx["sender"], "link": tx["data"]["link"],
                                           "json": tx["data"]["json"], "ts": tx["ts"],
                                           "playlist": current["playlist"] if current else {}}
                elif tx["type"] == 26:
                    playlist = self.playlists.get(key)
                    if playlist is None:
                        continue
                    for seq, content in tx["data"]["seq"]:
                        playlist["playlist"][str(seq)] = content
                self.avalon_recent[tx_hash] = anum
                self.avalon_ops.append({"block": anum, "hash": tx_hash, "type": tx["type"], "data": tx["data"],
                                        "sender": tx["sender"]})
                executed.append(tx)
            self.avalon_head = anum
            self.avalon_blocks[anum] = {"_id": anum, "timestamp": when * 1000, "txs": executed}

    # -- hive rpc -----------------------------------------------------------
    def dynamic_global_properties(self):
        with self.lock:
            return {"head_block_number": self.head, "head_block_id": self.blocks[self.head]["id"],
                    "time": hive_time(self.time), "last_irreversible_block_num": self.lib,
                    "current_witness": "double"}

    def get_accounts(self, names):
        out = []
        for name in names:
            account = self.accounts.get("hive", {}).get(name)
            if account is None:
                continue
            out.append({"name": name, "posting": {
                "weight_threshold": account.get("weight_threshold", 1), "account_auths": [],
                "key_auths": [[key, account.get("weight", 1)] for key in account["posting"]]}})
        return out

    def posting_keys_hex(self, name):
        account = self.accounts.get("hive", {}).get(name)
        if account is None:
            return None, 1, 1
        keys = set(bytes(PublicKey(key, prefix=self.prefix)).hex() for key in account["posting"])
        return keys, account.get("weight", 1), account.get("weight_threshold", 1)

    def broadcast(self, tx, node, blackhole=False, arrival_ns=None):
        chain = {"chain_id": self.chain_id, "prefix": self.prefix}
        try:
            signed = Signed_Transaction(**json.loads(json.dumps(tx)))
            signed.deriveDigest(chain)
            txid = hashlib.sha256(signed.message[32:]).digest()[:20].hex()
        except Exception as error:  # malformed transaction
            raise RPCError(-32602, "Invalid cast from object_type to string / bad transaction: %s" % error)
        with self.lock:
            self.broadcast_calls[node] = self.broadcast_calls.get(node, 0) + 1
            try:
                if txid in self.mempool or txid in self.included and self.included[txid]["expiration"] > self.time:
                    raise RPCError(-32003, "Assert Exception:(skip & skip_transaction_dupe_check) || "
                                   "trx_idx.indices().get<by_trx_id>().find(trx_id) == trx_idx.indices()"
                                   ".get<by_trx_id>().end(): Duplicate transaction check failed")
                signatures = tx.get("signatures") or []
                if len(signatures) != 1:
                    raise RPCError(-32003, "Assert Exception: expected exactly one signature")
                try:
                    check_hive_signature_form(signatures[0])
                    recovered = set(signed.verify(chain=chain, recover_parameter=True))
                except Exception as error:
                    raise RPCError(-32003, "Assert Exception: signature does not verify: %s" % error)
                for name, body in tx["operations"]:
                    if name != "custom_json":
                        raise RPCError(-32003, "Assert Exception: only custom_json in this double")
                    if body["required_auths"]:
                        raise RPCError(-32003, "Missing Active Authority %s" % body["required_auths"][0])
                    for account in body["required_posting_auths"]:
                        keys, weight, threshold = self.posting_keys_hex(account)
                        if keys is None:
                            raise RPCError(-32003, "Assert Exception:false: Unknown account %s" % account)
                        if not (recovered & keys) or weight < threshold:
                            raise RPCError(-32003, "Missing Posting Authority %s" % account)
                    if not 0 < len(body["id"].encode()) <= 32:
                        raise RPCError(-32003, "Assert Exception:id.size() <= HIVE_CUSTOM_OP_ID_MAX_LENGTH")
                    try:
                        json.loads(body["json"])
                    except ValueError:
                        raise RPCError(-32003, "Assert Exception:fc::is_utf8(json) && fc::json::is_valid(json)")
                ref = self.summary.get(tx["ref_block_num"])
                if ref is None or int.from_bytes(bytes.fromhex(ref)[4:8], "little") != tx["ref_block_prefix"]:
                    raise RPCError(-32003, "Assert Exception:trx.ref_block_prefix == tapos_block_summary: "
                                   "Transaction's reference block did not match. Is this transaction from a different fork?")
                expiration = parse_hive_time(tx["expiration"])
                if expiration > self.time + MAX_TIME_UNTIL_EXPIRATION:
                    raise RPCError(-32003, "Assert Exception:trx.expiration <= now + "
                                   "fc::seconds(HIVE_MAX_TIME_UNTIL_EXPIRATION): ")
                if not self.time < expiration:
                    raise RPCError(-32003, "Assert Exception:now < trx.expiration: ")
            except RPCError as error:
                self.refusals.append({"node": node, "message": error.message, "txid": txid})
                raise
            if not blackhole:
                self.mempool[txid] = (json.loads(json.dumps(tx)), expiration)
                self.accepted_at.setdefault(txid, arrival_ns)
            return {}

    def find_transaction(self, params):
        txid = params.get("transaction_id", "")
        with self.lock:
            if self.track_seconds and "expiration" in params \
                    and parse_hive_time(params["expiration"]) < self.time - self.track_seconds:
                return {"status": "too_old"}
            if txid in self.mempool:
                return {"status": "within_mempool"}
            found = self.included.get(txid)
            if found:
                status = "within_irreversible_block" if found["block"] <= self.lib else "within_reversible_block"
                return {"status": status, "block_num": found["block"]}
            if "expiration" in params:
                expiration = parse_hive_time(params["expiration"])
                if expiration < self.blocks[self.lib]["time"]:
                    return {"status": "expired_irreversible"}
                if expiration < self.time:
                    return {"status": "expired_reversible"}
            return {"status": "unknown"}

    def get_transaction(self, txid):
        with self.lock:
            found = self.included.get(txid)
            if not found:
                raise RPCError(-32003, "Assert Exception:false: Unknown Transaction %s" % txid)
            out = dict(found["tx"])
            out.update({"block_num": found["block"], "transaction_num": found["trx_in_block"], "transaction_id": txid})
            return out

    def stream_info(self, author, link):
        """HAlive's GET /get_stream_info (src/sql/create_apis.sql get_stream_info) over the
        irreversible blocks, by HAlive's own rules (halive.py): 200 with {"error": …} for an
        unknown streamer or link, else the stream's row."""
        with self.lock:
            irreversible = [op for op in self.accepted_ops if op["block"] <= self.lib]
            known = author in self.accounts.get("hive", {})
        with self.indexer_lock:
            self.indexer.sync(irreversible)
            stream = self.indexer.streams.get((author, link))
            if not known:
                return {"error": "Streamer does not exist"}
            if stream is None:
                return {"error": "Stream does not exist"}
            info = stream.info()
            stamp = lambda ms: None if ms is None else hive_time(ms // 1000)
            return {"id": list(self.indexer.streams).index((author, link)) + 1, "streamer": author, "link": link,
                    "created": stamp(stream.created), "first_streamed": stamp(stream.first_streamed),
                    "last_streamed": stamp(stream.last_streamed), "chunk_finalized": info["chunk_finalized"],
                    "chunk_head": info["chunk_head"], "l2_protocol": info["l2_protocol"], "l2_pub": info["l2_pub"],
                    "storage_protocol": info["storage_protocol"], "storage_gw": stream.gw, "ended": stream.ended}

    # -- avalon -------------------------------------------------------------
    def avalon_transact(self, tx, blackhole=False):
        with self.lock:
            self.transact_calls += 1
            try:
                self._validate_avalon(tx)
            except ValueError as error:
                self.avalon_refusals.append(str(error))
                raise
            if not blackhole:
                self.avalon_pool[tx["hash"]] = tx
            return self.avalon_head

    def _validate_avalon(self, tx):
        for field, kind in (("type", int), ("data", dict), ("sender", str), ("ts", int), ("hash", str)):
            if not isinstance(tx.get(field), kind) or isinstance(tx.get(field), bool):
                raise ValueError("invalid tx %s" % field)
        account = self.accounts.get("avalon", {}).get(tx["sender"])
        if account is None:
            raise ValueError("invalid sender")
        head_ms = self.time * 1000
        if head_ms - tx["ts"] > AVALON_TX_WINDOW_MS or tx["ts"] - head_ms > AVALON_TX_WINDOW_MS:
            raise ValueError("invalid timestamp")
        unsigned = {k: tx[k] for k in ("type", "data", "sender", "ts")}
        text = json.dumps(unsigned, separators=(",", ":"), ensure_ascii=False)
        digest = hashlib.sha256(text.encode("utf-8")).digest()
        if digest.hex() != tx["hash"]:
            raise ValueError("invalid tx hash does not match")
        if tx["hash"] in self.avalon_recent:
            raise ValueError("transaction already in chain")
        signature = tx.get("signature")
        pairs = signature if isinstance(signature, list) else None
        if pairs is None or len(pairs) != 1 or len(pairs[0]) != 2:
            raise ValueError("invalid signature")
        compact = base58.b58decode(pairs[0][0])
        if len(compact) != 64 or pairs[0][1] not in (0, 1, 2, 3):
            raise ValueError("invalid signature")
        recovered = coincurve.PublicKey.from_signature_and_message(compact + bytes([pairs[0][1]]), digest, hasher=None)
        pub = recovered.format(compressed=True)
        der = cdata_to_der(deserialize_compact(compact))
        if not recovered.verify(der, digest, hasher=None):
            raise ValueError("invalid signature")
        allowed = [account["pub"]] + [key["pub"] for key in account.get("keys", []) if tx["type"] in key["types"]]
        if base58.b58encode(pub).decode() not in allowed:
            raise ValueError("invalid signature")
        data = tx["data"]
        if tx["type"] == 25:
            if set(data) != {"link", "json"} or not 3 <= len(data["link"]) <= 50 or not isinstance(data["json"], dict):
                raise ValueError("invalid playlist json transaction")
        elif tx["type"] == 26:
            if set(data) != {"link", "seq"} or not isinstance(data["seq"], list):
                raise ValueError("invalid playlist seq array")
            if tx["sender"] + "/" + data["link"] not in self.playlists:
                raise ValueError("playlist does not exist")
            for entry in data["seq"]:
                if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], int)
                        and 0 <= entry[0] <= 10000 and isinstance(entry[1], str) and 1 <= len(entry[1]) <= 101):
                    raise ValueError("invalid playlist sequence")
        else:
            raise ValueError("forbidden transaction type")

    # -- alivedb ------------------------------------------------------------
    def get_token(self, text):
        parts = text.split(":")
        with self.lock:
            try:
                if len(parts) != 7:
                    raise ValueError("message must have 7 parts")
                streamer, link, auth_id, network, num, block_id, signature = parts
                if auth_id != self.auth_id:
                    raise ValueError("invalid auth id")
                if network != "hive":
                    raise ValueError("invalid network")
                num = int(num)
                if not (self.head - LOGIN_BLOCK_WINDOW <= num <= self.head) or self.blocks[num]["id"] != block_id:
                    raise ValueError("head block is not recent")
                keys, _, _ = self.posting_keys_hex(streamer)
                check_hive_signature_form(signature)
                recovered = verify_message(":".join(parts[:6]), bytes.fromhex(signature))
                if keys is None or recovered.hex() not in keys:
                    raise ValueError("signature does not match a posting key of %s" % streamer)
            except (ValueError, AssertionError, KeyError) as error:
                self.alivedb_refusals.append("getToken: %s" % error)
                raise ValueError(str(error))
            token = secrets.token_hex(16)
            self.tokens[token] = {"streamer": streamer, "link": link, "network": network}
            self.signins += 1
            return token

    def push_stream(self, token, body, arrival_ns):
        with self.lock:
            owner = self.tokens.get(token)
            if owner is None:
                self.alivedb_refusals.append("pushStream: invalid access token")
                return 401, {"error": "invalid access token"}
            stream = body.get("stream") if isinstance(body, dict) else None
            if not isinstance(stream, dict) or any(body.get(k) != owner[k] for k in ("network", "streamer", "link")):
                self.alivedb_refusals.append("pushStream: body does not match the token")
                return 400, {"error": "network, streamer and link must match the access token"}
            src, length = stream.get("src"), stream.get("len")
            if not isinstance(src, str) or not 0 < len(src) <= 100 or isinstance(length, bool) \
                    or not isinstance(length, (int, float)) or not 0 < length < 100:
                self.alivedb_refusals.append("pushStream: invalid stream")
                return 400, {"error": "invalid stream"}
            self.alivedb_items.append({"src": src, "len": length, "streamer": owner["streamer"], "link": owner["link"],
                                       "ts": self.time * 1000, "arrival_ns": arrival_ns})
            return 200, {"success": True}

    def state(self):
        with self.lock:
            return {
                "hive": {"head": self.head, "lib": self.lib, "time": hive_time(self.time),
                         "accepted_ops": self.accepted_ops, "broadcast_calls": self.broadcast_calls,
                         "refusals": self.refusals, "mempool": len(self.mempool)},
                "avalon": {"head": self.avalon_head, "ops": self.avalon_ops, "playlists": self.playlists,
                           "transact_calls": self.transact_calls, "refusals": self.avalon_refusals},
                "alivedb": {"items": self.alivedb_items, "signins": self.signins, "refusals": self.alivedb_refusals,
                            "lookups": self.alivedb_lookups},
            }


class Faults:
    """Per-server fault mode, switched through the control server."""

    def __init__(self):
        self.lock = threading.Lock()
        self.modes = {}
        self.counters = {}

    def set(self, target, mode, only):
        with self.lock:
            self.modes[target] = (mode, set(only) if only else None)
            self.counters[target] = 0

    def mode_for(self, target, what):
        with self.lock:
            mode, only = self.modes.get(target, ("normal", None))
            if only is not None and what not in only:
                return "normal"
            if mode == "flap":
                self.counters[target] = self.counters.get(target, 0) + 1
                return "down" if self.counters[target] % 2 == 0 else "normal"
            return mode


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ledger-doubles"
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK (40 ms), a delay no real node adds.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, obj, content_type="application/json"):
        body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            raise ValueError("missing or too large Content-Length")
        return self.rfile.read(int(length))

    def before(self, what):
        """Fault injection before processing; returns the mode, or None when answered here."""
        mode = self.server.faults.mode_for(self.server.name, what)
        if mode == "down":
            self.close_connection = True
            return None
        if mode == "error500":
            self.reply(500, {"error": "internal error (injected)"})
            return None
        if mode == "hang":
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return None
        return mode

    def after(self, mode, status, obj, content_type="application/json"):
        if mode == "accept500":
            self.reply(500, {"error": "internal error after processing (injected)"})
        elif mode == "accepthang":
            time.sleep(HANG_SECONDS)
            self.close_connection = True
        else:
            self.reply(status, obj, content_type)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def dispatch(self, method):
        arrival_ns = time.time_ns()
        url = urllib.parse.urlsplit(self.path)
        try:
            body = self.read_body() if method == "POST" else b""
        except ValueError as error:
            self.reply(400, {"error": str(error)})
            return
        kind = self.server.kind
        try:
            if kind == "hive":
                self.hive(method, url, body, arrival_ns)
            elif kind == "avalon":
                self.avalon(method, url, body)
            elif kind == "alivedb":
                self.alivedb(method, url, body, arrival_ns)
            else:
                self.control(method, url)
        except BrokenPipeError:
            pass

    # -- hive ---------------------------------------------------------------
    def hive(self, method, url, body, arrival_ns=None):
        if method != "POST" or url.path not in ("/", ""):
            self.reply(404, {"error": "JSON-RPC over POST /"})
            return
        try:
            request = json.loads(body)
            rpc_method, params, request_id = request["method"], request.get("params", []), request.get("id")
        except (ValueError, KeyError, TypeError):
            self.reply(200, {"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse Error"}, "id": None})
            return
        mode = self.before(rpc_method)
        if mode is None:
            return
        chain = self.server.chain
        try:
            if rpc_method == "condenser_api.get_dynamic_global_properties":
                result = chain.dynamic_global_properties()
            elif rpc_method == "condenser_api.get_accounts":
                result = chain.get_accounts(params[0])
            elif rpc_method == "condenser_api.broadcast_transaction":
                result = chain.broadcast(params[0], self.server.name, blackhole=(mode == "blackhole"),
                                         arrival_ns=arrival_ns)
            elif rpc_method == "transaction_status_api.find_transaction":
                result = chain.find_transaction(params)
            elif rpc_method == "condenser_api.get_transaction":
                result = chain.get_transaction(params[0])
            else:
                raise RPCError(-32601, "Could not find method %s" % rpc_method)
            answer = {"jsonrpc": "2.0", "result": result, "id": request_id}
        except RPCError as error:
            answer = {"jsonrpc": "2.0", "error": {"code": error.code, "message": error.message}, "id": request_id}
        except (IndexError, KeyError, TypeError) as error:
            answer = {"jsonrpc": "2.0", "error": {"code": -32602, "message": "Invalid params: %s" % error},
                      "id": request_id}
        self.after(mode, 200, answer)

    # -- avalon -------------------------------------------------------------
    def avalon(self, method, url, body):
        parts = [p for p in url.path.split("/") if p]
        what = "/" + (parts[0] if parts else "")
        mode = self.before(what)
        if mode is None:
            return
        chain = self.server.chain
        if method == "POST" and parts == ["transact"]:
            try:
                tx = json.loads(body)
                if not isinstance(tx, dict):
                    raise ValueError("invalid tx")
                head = chain.avalon_transact(tx, blackhole=(mode == "blackhole"))
                self.after(mode, 200, str(head).encode(), "text/plain")
            except ValueError as error:
                self.after(mode, 500, {"error": str(error)})
            return
        with chain.lock:
            if parts == ["count"]:
                status, obj = 200, {"count": chain.avalon_head}
            elif len(parts) == 2 and parts[0] == "block" and parts[1].isdigit() and int(parts[1]) in chain.avalon_blocks:
                status, obj = 200, chain.avalon_blocks[int(parts[1])]
            elif len(parts) == 2 and parts[0] == "account" and parts[1] in chain.accounts.get("avalon", {}):
                account = chain.accounts["avalon"][parts[1]]
                status, obj = 200, {"name": parts[1], "pub": account["pub"], "keys": account.get("keys", [])}
            elif len(parts) == 3 and parts[0] == "playlist" and "/".join(parts[1:]) in chain.playlists:
                status, obj = 200, chain.playlists["/".join(parts[1:])]
            elif parts and parts[0] == "playlist":
                status, obj = 404, {"error": "playlist does not exist"}
            else:
                status, obj = 404, {"error": "not found"}
            text = json.dumps(obj).encode()
        self.after(mode, status, text)

    # -- alivedb ------------------------------------------------------------
    def alivedb(self, method, url, body, arrival_ns):
        mode = self.before(url.path)
        if mode is None:
            return
        chain = self.server.chain
        if method == "GET" and url.path == "/currentUser":
            self.after(mode, 200, {"pub": ALIVEDB_PUB, "epub": "alivedb-double-epub", "alias": "alivebox",
                                   "loggedIn": chain.logged_in, "requiresAccessToken": True, "authId": chain.auth_id})
        elif method == "POST" and url.path == "/loginUser":
            try:
                request = json.loads(body)
            except ValueError:
                request = {}
            if chain.alivedb_user_key and request.get("key") == chain.alivedb_user_key:
                chain.logged_in = True
                self.after(mode, 200, {"id": request.get("id", "alivebox"), "pub": "alivedb-double-pub.key"})
            else:
                self.after(mode, 401, {"error": "wrong user key"})
        elif method == "POST" and url.path == "/getToken":
            if not self.headers.get("Content-Type", "").startswith("text/plain"):
                self.after(mode, 400, {"error": "body must be text/plain"})
                return
            try:
                token = chain.get_token(body.decode("utf-8"))
                self.after(mode, 200, {"access_token": token, "error": None})
            except (ValueError, UnicodeDecodeError) as error:
                self.after(mode, 401, {"access_token": None, "error": str(error)})
        elif method == "POST" and url.path == "/pushStream":
            authorization = self.headers.get("Authorization", "")
            token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else ""
            try:
                request = json.loads(body)
            except ValueError:
                self.after(mode, 400, {"error": "invalid JSON"})
                return
            status, obj = chain.push_stream(token, request, arrival_ns)
            self.after(mode, status, obj)
        elif method == "GET" and url.path == "/getStream":
            query = dict(urllib.parse.parse_qsl(url.query))
            since = int(query.get("ts", "0"))
            # As AliveDB: the items live in the user's graph (pub) under network/streamer/link.
            with chain.lock:
                items = [{"src": i["src"], "len": i["len"], "ts": i["ts"]} for i in chain.alivedb_items
                         if query.get("pub") == ALIVEDB_PUB and query.get("network") == "hive"
                         and i["streamer"] == query.get("streamer") and i["link"] == query.get("link") and i["ts"] >= since]
                chain.alivedb_lookups += 1
            self.after(mode, 200, items)
        else:
            self.after(mode, 404, {"error": "not found"})

    # -- control ------------------------------------------------------------
    def control(self, method, url):
        query = dict(urllib.parse.parse_qsl(url.query))
        chain = self.server.chain
        if method == "GET" and url.path == "/__state":
            self.reply(200, chain.state())
        elif method == "POST" and url.path == "/__mode":
            only = [m for m in query.get("only", "").split(",") if m]
            self.server.faults.set(query.get("target", ""), query.get("set", "normal"), only)
            self.reply(200, {"target": query.get("target"), "mode": query.get("set")})
        elif method == "POST" and url.path == "/__revoke_tokens":
            with chain.lock:
                chain.tokens.clear()
            self.reply(200, {"revoked": True})
        elif method == "GET" and url.path == "/get_stream_info":
            author, link = query.get("stream_author"), query.get("stream_link")
            if author is None or link is None:
                self.reply(400, {"error": "stream_author and stream_link are required"})
            else:
                self.reply(200, chain.stream_info(author, link))
        else:
            self.reply(404, {"error": "not found"})


def serve(name, kind, chain, faults):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.name, server.kind, server.chain, server.faults = name, kind, chain, faults
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", required=True, help="JSON: {hive: {name: {posting: [keys]}}, avalon: {name: {pub, keys}}}")
    parser.add_argument("--hive-nodes", type=int, default=2)
    parser.add_argument("--chain-id", default="beeab0de00000000000000000000000000000000000000000000000000000000")
    parser.add_argument("--prefix", default="STM")
    parser.add_argument("--block-interval", type=float, default=0.1)
    parser.add_argument("--block-seconds", type=int, default=3)
    parser.add_argument("--lib-lag", type=int, default=2)
    parser.add_argument("--genesis-time", default="2024-01-01T00:00:00")
    parser.add_argument("--genesis-block", type=int, default=76092780)
    parser.add_argument("--track-seconds", type=int, default=0,
                        help="find_transaction answers too_old for expirations this far behind head time (0: never)")
    parser.add_argument("--alivedb-logged-out", action="store_true", help="AliveDB user starts logged out")
    parser.add_argument("--alivedb-user-key", default="", help="key /loginUser accepts")
    args = parser.parse_args()

    with open(args.accounts, encoding="utf-8") as f:
        accounts = json.load(f)
    chain = Chain(args, accounts)
    faults = Faults()
    servers = {"hive": []}
    for i in range(args.hive_nodes):
        servers["hive"].append(serve("hive%d" % i, "hive", chain, faults))
    servers["avalon"] = serve("avalon", "avalon", chain, faults)
    servers["alivedb"] = serve("alivedb", "alivedb", chain, faults)
    servers["control"] = serve("control", "control", chain, faults)

    stop = threading.Event()

    def produce():
        while not stop.wait(args.block_interval):
            chain.produce_block()

    threading.Thread(target=produce, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # The parent (a test) closing our stdin means it is gone: stop, never linger.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    ports = {"hive": [s.server_address[1] for s in servers["hive"]],
             "avalon": servers["avalon"].server_address[1],
             "alivedb": servers["alivedb"].server_address[1],
             "control": servers["control"].server_address[1]}
    print("READY " + json.dumps(ports), flush=True)
    stop.wait()
    os._exit(0)


if __name__ == "__main__":
    main()
