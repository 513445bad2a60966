"""HAlive's consumer rules, ported for the end-to-end scenarios: what an Alive API node
(aliveprotocol/halive) makes of the box's on-chain operations, and the playlist it serves.

Ported from HAlive's sources (read, not copied; the rules, not the code):
- src/processor.ts `validateAndParse`: a custom_json with the Alive id and exactly one
  posting authority; `op` an integer 0..2, `link` a string. op 0 needs a configured stream
  that is not ended; `seq` a non-negative integer, refused when the stream already has a
  `chunk_finalized` that is >= seq, or (then only) when seq > 17280; `src` a CID when
  present; `len`, when truthy, a number 0 < len < 100 (rounded to 6 places). op 2 reads
  `l2` (gundb) and `pub` (<= 100 chars), `gw` (<= 250 chars), `storage` (ipfs | skynet).
- src/sql/create_functions.sql: process_stream_push (insert or replace the segment of that
  seq; chunk_head / chunk_finalized advance; last_streamed = the block's time),
  process_stream_end (ended), process_stream_update (a new link makes a stream; an existing
  one only updates l2 / pub / gw: op 2 never reopens an ended stream).
- src/server.ts `GET /stream/:author/:link` with src/hls.ts `fetchChunk`: every stored
  push in seq order; one with `len` is one segment, one without is a chunk fetched from the
  gateway, kept only when the CID is dag-pb, HEAD answers 200 with Content-Length <= 4200
  and a Content-Type of exactly `text/csv`; its lines split at ',' (fewer than 2 fields:
  skipped), `#EXTINF:<field 1>,` then `<gw>/ipfs/<field 0>`. An ended stream ends with
  #EXT-X-ENDLIST; a live one with l2 gundb and a pub appends AliveDB's items whose state is
  >= last_streamed + 1 ms (AliveDB's getListFromUser also drops items older than 600 s).
  HAlive writes no #EXT-X-DISCONTINUITY.

Input: the Hive double's accepted operations (each with its block's time) and a gateway URL
(the Kubo front). Nothing here asks the box.
"""
import calendar
import json
import time
import urllib.error
import urllib.parse
import urllib.request

CUSTOM_JSON_ID = "alive-test"
MAX_CHUNK_BYTES = 4200
MAX_CHUNKS = 17280
MAX_SEGMENT_LENGTH_NINCL = 100
ALIVEDB_PUBKEY_MAX_LENGTH = 100
MAX_STORAGE_GW_LENGTH = 250
ALIVEDB_WINDOW_MS = 600_000
STORAGE_PROTOCOLS = ("ipfs", "skynet")
L2_PROTOCOLS = ("gundb",)
BASE58 = set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
BASE32 = set("abcdefghijklmnopqrstuvwxyz234567")


def cid_codec(text):
    """The multicodec of a CID string (0x70 dag-pb for CIDv0), or None when it is no CID this
    port can read (CIDv0 `Qm…` base58btc, CIDv1 `b…` base32 lower case)."""
    if len(text) == 46 and text.startswith("Qm") and set(text) <= BASE58:
        return 0x70
    if len(text) > 8 and text[0] == "b" and set(text[1:]) <= BASE32:
        bits = "".join(format("abcdefghijklmnopqrstuvwxyz234567".index(c), "05b") for c in text[1:])
        raw = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits) - len(bits) % 8, 8))
        values, position = [], 0
        for _ in range(2):  # version, codec (unsigned varints)
            value, shift = 0, 0
            while True:
                if position >= len(raw):
                    return None
                byte = raw[position]
                position += 1
                value |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            values.append(value)
        return values[1] if values[0] == 1 else None
    return None


def is_cid(text):
    return isinstance(text, str) and cid_codec(text) is not None


def js_parse_int(value):
    """JavaScript's parseInt(value) for what a JSON payload can hold; None for NaN."""
    text = str(value).strip() if not isinstance(value, bool) else str(value).lower()
    if isinstance(value, float) and value == int(value):
        text = str(int(value))
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    digits = ""
    for c in text:
        if not c.isdigit():
            break
        digits += c
    return sign * int(digits) if digits else None


def js_parse_float(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return None


class Stream:
    def __init__(self, streamer, link, created, l2, pub, storage):
        self.streamer, self.link, self.created = streamer, link, created
        self.l2, self.pub, self.storage, self.gw = l2, pub, storage, None
        self.ended = False
        self.chunk_head = self.chunk_finalized = None
        self.first_streamed = self.last_streamed = None
        self.segments = {}  # seq -> (len or None, src)

    def info(self):
        return {"streamer": self.streamer, "link": self.link, "chunk_finalized": self.chunk_finalized,
                "chunk_head": self.chunk_head, "l2_protocol": self.l2, "l2_pub": self.pub,
                "storage_protocol": self.storage, "ended": self.ended, "last_streamed": self.last_streamed}


class HAlive:
    """One HAlive node's database, fed with the chain's operations in block order."""

    def __init__(self, gateway, alivedb=None, custom_json_id=CUSTOM_JSON_ID, timeout=10):
        self.gateway, self.alivedb, self.custom_json_id, self.timeout = gateway, alivedb, custom_json_id, timeout
        self.streams = {}         # (streamer, link) -> Stream
        self.processed = 0        # operations taken
        self.refused = []         # (block, payload, reason) of operations validateAndParse refused
        self.chunk_cache = {}     # cid -> text (HAlive caches a chunk it could read)
        self.chunk_errors = {}    # cid -> fetchChunk's error

    # -- sync ---------------------------------------------------------------
    def sync(self, accepted_ops):
        """Takes the operations not processed yet (the double's list only grows)."""
        for record in accepted_ops[self.processed:]:
            self.processed += 1
            if record.get("op") != "custom_json":
                continue
            reason = self.process(record)
            if reason:
                self.refused.append((record.get("block"), record.get("json"), reason))

    def process(self, record):
        """validateAndParse then the SQL function; returns why an operation was refused, or None."""
        auths = record.get("required_posting_auths")
        if record.get("id") != self.custom_json_id or not isinstance(auths, list) or len(auths) != 1:
            return "not an Alive custom_json with one posting authority"
        payload = record.get("json")
        if not isinstance(payload, dict):
            return "json is not an object"
        op = payload.get("op")
        if isinstance(op, bool) or not isinstance(op, int) or not 0 <= op <= 2 or not isinstance(payload.get("link"), str):
            return "op or link invalid"
        ts = calendar.timegm(time.strptime(record["time"], "%Y-%m-%dT%H:%M:%S")) * 1000
        streamer, link = auths[0], payload["link"]
        stream = self.streams.get((streamer, link))
        if op == 0:
            if stream is None or stream.ended:
                return "push to a stream that is not configured or has ended"
            seq = js_parse_int(payload.get("seq"))
            if seq is None or seq < 0 or (stream.chunk_finalized is not None
                                          and (stream.chunk_finalized >= seq or seq > MAX_CHUNKS)):
                return f"seq {payload.get('seq')!r} refused (chunk_finalized {stream.chunk_finalized})"
            src = payload.get("src")
            if stream.storage == "ipfs" and src and not is_cid(src):
                return "src is not a CID"
            length = None
            if payload.get("len"):
                length = js_parse_float(payload["len"])
                if length is None:
                    return "len is not a number"
                if length >= MAX_SEGMENT_LENGTH_NINCL or length <= 0:
                    return "len out of range"
                length = round(length, 6)
            self.push(stream, seq, length, src or None, ts)
        elif op == 1:
            if stream is not None:
                stream.ended = True
        else:
            storage = payload["storage"].strip().lower() if isinstance(payload.get("storage"), str) else "ipfs"
            l2 = payload["l2"].strip().lower() if isinstance(payload.get("l2"), str) else None
            storage = storage if storage in STORAGE_PROTOCOLS else "ipfs"
            l2 = l2 if l2 in L2_PROTOCOLS else None
            pub = payload["pub"] if isinstance(payload.get("pub"), str) and len(payload["pub"]) <= ALIVEDB_PUBKEY_MAX_LENGTH else None
            gw = payload["gw"] if isinstance(payload.get("gw"), str) and len(payload["gw"]) <= MAX_STORAGE_GW_LENGTH else None
            if stream is None:
                self.streams[(streamer, link)] = Stream(streamer, link, ts, l2, pub, storage)
            else:  # COALESCE: only what the op carries changes; `ended` stays
                stream.l2 = l2 if l2 is not None else stream.l2
                stream.pub = pub if pub is not None else stream.pub
                stream.gw = gw if gw is not None else stream.gw
        return None

    @staticmethod
    def push(stream, seq, length, src, ts):
        """process_stream_push."""
        stream.segments[seq] = (length, src)
        if stream.chunk_finalized is None:
            stream.chunk_head = stream.chunk_finalized = seq
            stream.first_streamed = ts
        elif stream.chunk_finalized == stream.chunk_head:
            if seq == stream.chunk_finalized + 1:
                stream.chunk_finalized += 1
                stream.chunk_head += 1
            elif seq > stream.chunk_finalized + 1:
                stream.chunk_head = seq
        elif seq > stream.chunk_head:
            stream.chunk_head = seq
        elif stream.chunk_finalized < seq <= stream.chunk_head:
            finalized = stream.chunk_finalized
            for candidate in range(finalized + 1, stream.chunk_head + 1):
                if candidate not in stream.segments:
                    break
                finalized += 1
            stream.chunk_finalized = finalized
        stream.last_streamed = ts

    # -- the gateway, as fetchChunk ----------------------------------------
    def fetch_chunk(self, cid):
        """(text, None) or (None, error) as hls.ts fetchChunk answers."""
        if cid in self.chunk_cache:
            return self.chunk_cache[cid], None
        codec = cid_codec(cid)
        if codec is None:
            return None, "failed to parse cid info"
        if codec == 0x71:
            return None, "dag-cbor handling not implemented"
        if codec != 0x70:
            return None, "unsupported cid codec"
        url = f"{self.gateway}/ipfs/{cid}"
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=self.timeout) as head:
                status, size, kind = head.status, head.headers.get("Content-Length"), head.headers.get("Content-Type")
        except urllib.error.HTTPError as error:
            status, size, kind = error.code, None, None
        except OSError as error:
            return None, f"head chunk failed: {error}"
        if status != 200:
            return None, f"head chunk failed with status code {status}"
        if size is not None and size.isdigit() and int(size) > MAX_CHUNK_BYTES:
            return None, "chunk size is greater than MAX_CHUNK_BYTES"
        if kind != "text/csv":
            return None, f"chunks must be in csv format (Content-Type {kind!r})"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as answer:
                text = answer.read().decode("utf-8", "replace")
        except OSError as error:
            return None, f"fetch chunk failed: {error}"
        self.chunk_cache[cid] = text
        return text, None

    # -- GET /stream/:author/:link -----------------------------------------
    def playlist(self, author, link, now_ms=None):
        """The playlist text and its entries [(cid, len text)] (on-chain ones, then AliveDB's),
        with counts: {"chain": n, "alivedb": m, "chunks_dropped": [(cid, error)]}.
        `now_ms`: AliveDB's clock for its 600 s window (the double's chain time)."""
        stream = self.streams.get((author, link))
        lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:10", "#EXT-X-MEDIA-SEQUENCE:0",
                 "#EXT-X-PLAYLIST-TYPE:" + ("VOD" if stream and stream.ended else "EVENT"), ""]
        entries, dropped = [], []
        for seq in sorted(stream.segments) if stream else []:
            length, src = stream.segments[seq]
            if not src:
                continue
            if length:
                chunk_lines = [f"{src},{format_number(length)}"]
            else:
                text, error = self.fetch_chunk(src)
                if error or not text:
                    dropped.append((src, error))
                    self.chunk_errors[src] = error
                    continue
                chunk_lines = text.split("\n")
            for line in chunk_lines:
                fields = line.split(",")
                if len(fields) < 2:
                    continue
                lines += [f"#EXTINF:{fields[1]},", f"{self.gateway}/ipfs/{fields[0]}"]
                entries.append((fields[0], fields[1]))
        on_chain = len(entries)
        if stream and stream.ended:
            lines.append("#EXT-X-ENDLIST")
        elif stream and stream.l2 == "gundb" and stream.pub and self.alivedb:
            since = (stream.last_streamed or 0) + 1
            for item in self.alivedb_items(stream, author, link, since, now_ms):
                lines += [f"#EXTINF:{format_number(item['len'])},", f"{self.gateway}/ipfs/{item['src']}"]
                entries.append((item["src"], format_number(item["len"])))
        return "\n".join(lines) + "\n", entries, {"chain": on_chain, "alivedb": len(entries) - on_chain,
                                                   "chunks_dropped": dropped}

    def alivedb_items(self, stream, author, link, since, now_ms):
        query = urllib.parse.urlencode({"pub": stream.pub, "streamer": author, "link": link, "network": "hive",
                                        "ts": since})
        try:
            with urllib.request.urlopen(f"{self.alivedb}/getStream?{query}", timeout=self.timeout) as answer:
                items = json.loads(answer.read())
        except (OSError, ValueError):
            return []  # HAlive skips AliveDB when it errs
        if not isinstance(items, list):
            return []
        kept = []
        for item in items:
            if not isinstance(item, dict) or isinstance(item.get("len"), bool) \
                    or not isinstance(item.get("len"), (int, float)) or not isinstance(item.get("src"), str):
                continue
            if now_ms is not None and isinstance(item.get("ts"), (int, float)) and now_ms - item["ts"] >= ALIVEDB_WINDOW_MS:
                continue
            kept.append(item)
        return kept


def format_number(value):
    """A number as JavaScript prints it (2 -> "2", 2.5 -> "2.5")."""
    value = float(value)
    return str(int(value)) if value == int(value) else repr(value)

