"""A raw RTMP client for hostile-peer tests (bench/hostile): the plain handshake, a chunk
writer (fmt 0 and fmt 3 chunks), an AMF0 encoder and decoder, and a small reader for the
server's answers (connect, createStream, publish). Built from the specification's field
layout (RTMP 1.0, 5.3.1; AMF0), as Tests/AliveMediaTests/Support/RTMPWire.swift, so it can
send what no encoder would. Standard library only; every wait is bounded; loopback only
(the source address may be any 127.0.0.x, to act as different LAN addresses).
"""
import errno
import math
import os
import select
import socket
import struct
import time

# Message types (RTMP 1.0, 5.4 and 7.1)
SET_CHUNK_SIZE, ACKNOWLEDGEMENT, WINDOW_ACK_SIZE = 1, 3, 5
AUDIO, VIDEO, DATA_AMF0, COMMAND_AMF0 = 8, 9, 18, 20


# -- AMF0 --------------------------------------------------------------------

class EcmaArray(dict):
    """An AMF0 ECMA array (what encoders send as onMetaData's object)."""


class Undefined:
    pass


def amf0(*values):
    """The AMF0 encoding of each value, concatenated."""
    out = b""
    for value in values:
        if value is None:
            out += b"\x05"
        elif isinstance(value, Undefined):
            out += b"\x06"
        elif isinstance(value, bool):
            out += b"\x01" + (b"\x01" if value else b"\x00")
        elif isinstance(value, (int, float)):
            out += b"\x00" + struct.pack(">d", float(value))
        elif isinstance(value, str):
            data = value.encode()
            out += (b"\x02" + struct.pack(">H", len(data)) if len(data) < 0x10000 else
                    b"\x0c" + struct.pack(">I", len(data))) + data
        elif isinstance(value, dict):
            out += b"\x08" + struct.pack(">I", len(value)) if isinstance(value, EcmaArray) else b"\x03"
            for key, item in value.items():
                key = key.encode()
                out += struct.pack(">H", len(key)) + key + amf0(item)
            out += b"\x00\x00\x09"
        elif isinstance(value, list):
            out += b"\x0a" + struct.pack(">I", len(value)) + amf0(*value)
        else:
            raise TypeError(f"no AMF0 encoding for {value!r}")
    return out


def amf0_decode(data):
    """Every AMF0 value in data (numbers, booleans, strings, objects, ECMA and strict arrays,
    null/undefined as None); stops at the first marker it does not know."""
    values, offset = [], 0

    def one(offset):
        marker = data[offset]
        offset += 1
        if marker == 0x00:
            return struct.unpack_from(">d", data, offset)[0], offset + 8
        if marker == 0x01:
            return data[offset] != 0, offset + 1
        if marker == 0x02:
            n = struct.unpack_from(">H", data, offset)[0]
            return data[offset + 2:offset + 2 + n].decode(errors="replace"), offset + 2 + n
        if marker == 0x0c:
            n = struct.unpack_from(">I", data, offset)[0]
            return data[offset + 4:offset + 4 + n].decode(errors="replace"), offset + 4 + n
        if marker in (0x03, 0x08):
            if marker == 0x08:
                offset += 4
            result = {}
            while offset + 3 <= len(data):
                n = struct.unpack_from(">H", data, offset)[0]
                if n == 0 and data[offset + 2] == 0x09:
                    return result, offset + 3
                key = data[offset + 2:offset + 2 + n].decode(errors="replace")
                result[key], offset = one(offset + 2 + n)
            return result, offset
        if marker == 0x0a:
            n = struct.unpack_from(">I", data, offset)[0]
            offset += 4
            items = []
            for _ in range(n):
                item, offset = one(offset)
                items.append(item)
            return items, offset
        if marker in (0x05, 0x06):
            return None, offset
        raise ValueError(f"AMF0 marker {marker:#x}")

    try:
        while offset < len(data):
            value, offset = one(offset)
            values.append(value)
    except (ValueError, IndexError, struct.error):
        pass
    return values


# -- chunks --------------------------------------------------------------------

def basic_header(fmt, csid):
    if csid < 64:
        return bytes([fmt << 6 | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    value = csid - 64
    return bytes([fmt << 6 | 1, value & 0xFF, value >> 8])


def fmt0(csid, length, type_id, stream_id=0, timestamp=0):
    """A type 0 chunk header announcing a message of `length` bytes."""
    extended = timestamp >= 0xFFFFFF
    return (basic_header(0, csid) + (min(timestamp, 0xFFFFFF)).to_bytes(3, "big") + length.to_bytes(3, "big") +
            bytes([type_id]) + struct.pack("<I", stream_id) + (struct.pack(">I", timestamp) if extended else b""))


def fmt3(csid):
    return basic_header(3, csid)


def chunks(csid, type_id, payload, stream_id=0, timestamp=0, chunk_size=128, length=None):
    """payload as one message on chunk stream csid: a fmt 0 chunk then fmt 3 chunks of chunk_size.
    `length`: the length the header announces (default: the payload's), to send part of a message."""
    out = [fmt0(csid, len(payload) if length is None else length, type_id, stream_id, timestamp)]
    for start in range(0, len(payload), chunk_size):
        if start:
            out.append(fmt3(csid))
        out.append(payload[start:start + chunk_size])
    return b"".join(out)


def control(type_id, body):
    """A protocol control message (chunk stream 2, message stream 0) in one chunk."""
    return fmt0(2, len(body), type_id) + body


def command(*values, stream_id=0, csid=3):
    return chunks(csid, COMMAND_AMF0, amf0(*values), stream_id=stream_id)


# -- the peer --------------------------------------------------------------------

class Peer:
    """One TCP connection to the RTMP port from `source` (a 127.0.0.x address). `opened` and
    `closed_at` are time.monotonic() readings; `closed_at` is set when the server is seen to
    close the connection (EOF, reset, or a refused write)."""

    def __init__(self, port, source="127.0.0.1", timeout=5):
        self.sock = socket.socket()
        self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.closed_at = None
        self.buffer = b""
        self.chunk_size = 128
        self.headers = {}
        self.partial = {}
        try:
            self.sock.connect(("127.0.0.1", port))
        except OSError:
            self.closed_at = time.monotonic()
        self.opened = time.monotonic()

    @property
    def closed(self):
        return self.closed_at is not None

    def _gone(self):
        if self.closed_at is None:
            self.closed_at = time.monotonic()
        return False

    def send(self, data):
        """Sends all of data (bounded by the socket timeout); False when the server closed or
        stopped reading (the timeout is not counted as a close)."""
        if self.closed:
            return False
        try:
            self.sock.sendall(data)
            return True
        except socket.timeout:
            return False
        except OSError as error:
            if error.errno in (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN, errno.ESHUTDOWN):
                return self._gone()
            raise

    def _read_some(self, timeout):
        """Reads what is there within timeout into the buffer; False once the server closed."""
        if self.closed:
            return False
        try:
            ready, _, _ = select.select([self.sock], [], [], max(0, timeout))
        except (OSError, ValueError):  # closed here meanwhile
            return self._gone()
        if not ready:
            return True
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return True
        except OSError:
            return self._gone()
        if not data:
            return self._gone()
        self.buffer += data
        return True

    def handshake(self, timeout=5):
        """Plain handshake: C0+C1 (version 3, zero time, zero version: no digest), S0+S1+S2
        read, C2 echoes S1. False when the server closed instead."""
        if not self.send(b"\x03" + bytes(8) + os.urandom(1528)):
            return False
        deadline = time.monotonic() + timeout
        while len(self.buffer) < 3073:
            if time.monotonic() >= deadline or not self._read_some(deadline - time.monotonic()):
                return False
        s1 = self.buffer[1:1537]
        self.buffer = self.buffer[3073:]
        return self.send(s1)

    def closed_within(self, seconds, since=None):
        """Waits up to `seconds` for the server to close the connection (what it sends is read
        and kept). Returns the time it stayed open (from `since`, default when it was opened)
        or None when it is still open."""
        since = self.opened if since is None else since
        deadline = time.monotonic() + max(0.0, seconds)
        while not self.closed:
            self._read_some(min(0.05, deadline - time.monotonic()))
            if len(self.buffer) > 1 << 20:
                self.buffer = b""  # a hostile test never needs more
            if time.monotonic() >= deadline:
                break
        return self.closed_at - since if self.closed else None

    # -- the server's answers (only what a publisher needs) --
    def _message(self):
        """The next whole message from the buffer: (type, stream id, payload) or None."""
        while True:
            data = self.buffer
            if not data:
                return None
            fmt, csid, offset = data[0] >> 6, data[0] & 0x3F, 1
            if csid == 0:
                if len(data) < 2:
                    return None
                csid, offset = data[1] + 64, 2
            elif csid == 1:
                if len(data) < 3:
                    return None
                csid, offset = data[1] + data[2] * 256 + 64, 3
            header = dict(self.headers.get(csid, {"timestamp": 0, "length": 0, "type": 0, "stream": 0}))
            size = {0: 11, 1: 7, 2: 3, 3: 0}[fmt]
            if len(data) < offset + size:
                return None
            h = data[offset:offset + size]
            if fmt <= 2:
                stamp = int.from_bytes(h[0:3], "big")
            if fmt <= 1:
                header["length"], header["type"] = int.from_bytes(h[3:6], "big"), h[6]
            if fmt == 0:
                header["stream"] = struct.unpack("<I", h[7:11])[0]
            offset += size
            if fmt <= 2 and stamp == 0xFFFFFF:
                offset += 4
            if fmt == 3 and header.get("extended"):
                offset += 4
            if fmt <= 2:
                header["extended"] = stamp == 0xFFFFFF
            have = self.partial.get(csid, b"")
            take = min(self.chunk_size, header["length"] - len(have))
            if len(data) < offset + take:
                return None
            self.headers[csid] = header
            have += data[offset:offset + take]
            self.buffer = data[offset + take:]
            if len(have) < header["length"]:
                self.partial[csid] = have
                continue
            self.partial.pop(csid, None)
            if header["type"] == SET_CHUNK_SIZE and len(have) >= 4:
                self.chunk_size = struct.unpack(">I", have[:4])[0] & 0x7FFFFFFF
            return header["type"], header["stream"], have

    def expect_command(self, names, timeout=5):
        """Reads messages until a command whose name is in `names` arrives; its AMF0 values, or
        None (closed, or nothing within timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self._message()
            while message is not None:
                if message[0] == COMMAND_AMF0:
                    values = amf0_decode(message[2])
                    if values and values[0] in names:
                        return values
                message = self._message()
            if time.monotonic() >= deadline or not self._read_some(min(0.1, deadline - time.monotonic())):
                return None

    def connect(self, app="live", timeout=5):
        """connect; True on _result."""
        if not self.send(command("connect", 1, {"app": app, "type": "nonprivate", "flashVer": "FMLE/3.0",
                                                 "tcUrl": f"rtmp://127.0.0.1/{app}"})):
            return False
        answer = self.expect_command(("_result", "_error"), timeout)
        return bool(answer) and answer[0] == "_result"

    def create_stream(self, timeout=5):
        """createStream; the message stream id, or None."""
        if not self.send(command("createStream", 2, None)):
            return None
        answer = self.expect_command(("_result", "_error"), timeout)
        return int(answer[3]) if answer and answer[0] == "_result" and len(answer) > 3 else None

    def publish(self, key, stream_id, timeout=5):
        """publish; the onStatus code (NetStream.Publish.Start when accepted) or None."""
        if not self.send(command("publish", 3, None, key, "live", stream_id=stream_id, csid=8)):
            return None
        answer = self.expect_command(("onStatus",), timeout)
        if answer and len(answer) > 3 and isinstance(answer[3], dict):
            return answer[3].get("code")
        return None

    def metadata(self, fields, stream_id):
        """@setDataFrame onMetaData with `fields` (an ECMA array, as encoders send it)."""
        return self.send(chunks(4, DATA_AMF0, amf0("@setDataFrame", "onMetaData", EcmaArray(fields)), stream_id=stream_id))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


NAN, INFINITY = math.nan, math.inf
