"""Shared pieces of the end-to-end script, the fault scenarios and the e2e benchmarks
(scripts/e2e, scripts/e2e-scenarios, bench/e2e, bench/soak): starts the Kubo front,
the ledger doubles, `alived run` configured against them and an ffmpeg encoder, reads
their state, rebuilds the HAlive playlist and plays it with ffprobe.

Standard library only (the doubles and the front run in the repo's .venv). Every wait
is bounded; every child is started in its own process group and stopped by `Stack.stop`.
Loopback only.
"""
import calendar
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from halive import HAlive

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUPPORT = os.path.join(ROOT, "Tests", "Support")

# The test posting key of Tests/alivedTests/PublishingCommandTests.swift (a throwaway
# key for the doubles' private test chain, nothing on a real network).
POSTING_WIF = "5KhqKPSmP1Py4KoZuEvytJkLj4nkCBBsL2R6pDmLzmYJU8AkUEP"
POSTING_PUBLIC = "TST5fFfdG4ek63SyfMAKVW48iFsVCuk29DKX6DBWjxyxeTSvSEUAs"
CHAIN_ID = "18dcf0a285365fc58b71f18b3d3fec954aa0c141c44e4e5cb4cf777b9eab274e"
STREAMER = "alice"


class Failure(Exception):
    pass


def log(message):
    print(time.strftime("%H:%M:%S ") + message, flush=True)


def python():
    venv = os.path.join(ROOT, ".venv", "bin", "python")
    if os.path.exists(venv):
        return venv
    raise Failure(f"{venv} missing: run scripts/install-deps --test")


def default_binary(release=False):
    return os.path.join(ROOT, ".build", "release" if release else "debug", "alived")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout, interval=0.25):
    """Calls predicate until it returns a truthy value (returned) or raises Failure after timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except (OSError, ValueError, KeyError, TypeError) as error:
            last_error = error
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout:.0f} s waiting for {what}" +
                          (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def http(method, url, body=None, timeout=10, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(url, timeout=10):
    status, body = http("GET", url, timeout=timeout)
    if status != 200:
        raise Failure(f"GET {url}: HTTP {status}")
    return json.loads(body)


def rss_anon_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise Failure(f"no RssAnon for {pid}")


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


class Child:
    """A child process in its own process group, stdin kept open (the helpers stop when it closes)."""

    def __init__(self, name, argv, stdout=None, stderr=None, env=None, nice=5):
        self.name = name
        self.argv = argv
        self.reader_owns_stdout = False
        self.process = subprocess.Popen(
            ["nice", "-n", str(nice)] + argv, stdin=subprocess.PIPE, stdout=stdout or subprocess.DEVNULL,
            stderr=stderr or subprocess.DEVNULL, start_new_session=True, env=env)

    @property
    def pid(self):
        # `nice` execs the program: the pid is the program's.
        return self.process.pid

    def ready_line(self, timeout):
        """The first stdout line (READY ...) within timeout."""
        deadline = time.monotonic() + timeout
        data = b""
        fd = self.process.stdout.fileno()
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                break
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\n", 1)[0].decode(errors="replace")
        if not line.startswith("READY "):
            self.stop()
            raise Failure(f"{self.name} did not start: {line!r}")
        return line[len("READY "):]

    def running(self):
        return self.process.poll() is None

    def kill9(self):
        if self.running():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout=15):
        if self.process.poll() is None:
            try:
                if self.process.stdin:
                    self.process.stdin.close()
            except OSError:
                pass
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        # A reader thread owns stdout when there is one (Alived): it closes it at EOF.
        for stream in (self.process.stdin,) + (() if self.reader_owns_stdout else (self.process.stdout,)):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass


class KuboFront:
    def __init__(self):
        self.child = Child("kubo front", [python(), os.path.join(SUPPORT, "kubo_front.py")], stdout=subprocess.PIPE)
        self.port = int(self.child.ready_line(60))
        self.url = f"http://127.0.0.1:{self.port}"

    def mode(self, mode):
        status, _ = http("POST", f"{self.url}/__mode?set={mode}", body=b"")
        if status != 200:
            raise Failure(f"kubo front /__mode {mode}: HTTP {status}")

    def stats(self):
        return get_json(f"{self.url}/__stats")

    def fetch(self, cid, timeout=20):
        status, body = http("GET", f"{self.url}/ipfs/{cid}", timeout=timeout)
        if status != 200:
            raise Failure(f"kubo front /ipfs/{cid}: HTTP {status}")
        return body

    def stop(self):
        self.child.stop()


class Doubles:
    def __init__(self, directory, hive_nodes=2):
        accounts = os.path.join(directory, "accounts.json")
        with open(accounts, "w") as f:
            json.dump({"hive": {STREAMER: {"posting": [POSTING_PUBLIC]}}}, f)
        self.child = Child("ledger doubles", [
            python(), os.path.join(SUPPORT, "ledger_doubles.py"), "--accounts", accounts,
            "--chain-id", CHAIN_ID, "--prefix", "TST", "--hive-nodes", str(hive_nodes)], stdout=subprocess.PIPE)
        self.ports = json.loads(self.child.ready_line(60))
        self.control = f"http://127.0.0.1:{self.ports['control']}"

    def state(self):
        return get_json(f"{self.control}/__state", timeout=20)

    def mode(self, target, mode, only=None):
        url = f"{self.control}/__mode?target={target}&set={mode}" + (f"&only={only}" if only else "")
        status, _ = http("POST", url, body=b"")
        if status != 200:
            raise Failure(f"doubles /__mode {target} {mode}: HTTP {status}")

    def stop(self):
        self.child.stop()


def custom_json(state):
    return [op["json"] for op in state["hive"]["accepted_ops"] if isinstance(op.get("json"), dict)]


def pushes(state, link=None):
    """The accepted op-0 payloads in block order (of one link when given)."""
    return [j for j in custom_json(state) if j.get("op") == 0 and (link is None or j.get("link") == link)]


def write_config(directory, front, doubles, link, batch_interval=3, end_on_stop=False, extra_publishing="",
                 extra_top=""):
    secrets = os.path.join(directory, "posting.toml")
    with open(secrets, "w") as f:
        f.write(f'posting_key = "{POSTING_WIF}"\n')
    os.chmod(secrets, 0o600)
    config = os.path.join(directory, "alived.toml")
    nodes = ", ".join(f'"http://127.0.0.1:{p}"' for p in doubles.ports["hive"])
    with open(config, "w") as f:
        f.write(f"""{extra_top}
[storage]
backend = "kubo"
endpoints = ["{front.url}"]

[publishing]
network = "hive"
streamer = "{STREAMER}"
link = "{link}"
request_timeout_seconds = 2
confirmation_poll_seconds = 0.05
batch_interval_seconds = {batch_interval}
end_on_stop = {"true" if end_on_stop else "false"}
secrets_file = "{secrets}"
{extra_publishing}
[publishing.hive]
api_nodes = [{nodes}]
chain_id = "{CHAIN_ID}"
public_key_prefix = "TST"

[publishing.alivedb]
url = "http://127.0.0.1:{doubles.ports['alivedb']}"
""")
    return config


class Alived:
    """`alived run` against a config; the log goes to <data dir>/alived-N.log (one file per start)."""

    starts = 0

    def __init__(self, binary, config, data_dir, stream_key, segment_seconds=2, ring_mib=None, log_level="info",
                 rtmp_port=None, http_port=None):
        self.binary, self.config, self.data_dir, self.stream_key = binary, config, data_dir, stream_key
        self.segment_seconds, self.ring_mib, self.log_level = segment_seconds, ring_mib, log_level
        self.rtmp_port = rtmp_port or free_port()
        self.http_port = http_port or free_port()
        self.child = None
        self.logs = []
        self.stamped = []
        self.start()

    def start(self):
        Alived.starts += 1
        path = os.path.join(self.data_dir, f"alived-{len(self.logs) + 1}.log")
        self.logs.append(path)
        argv = [self.binary, "run", "--config", self.config, "--data-dir", self.data_dir,
                "--rtmp-port", str(self.rtmp_port), "--http-port", str(self.http_port),
                "--stream-key", self.stream_key, "--segment-seconds", str(self.segment_seconds),
                "--log-level", self.log_level]
        if self.ring_mib:
            argv += ["--ring-mib", str(self.ring_mib)]
        self.log_file = open(path, "wb")
        self.child = Child("alived", argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.child.reader_owns_stdout = True
        self.reader = threading.Thread(target=self._read, args=(self.child.process.stdout, self.log_file), daemon=True)
        self.reader.start()
        wait_for("alived's status API", lambda: self.running_or_fail() and self.status(timeout=2), 60)

    def _read(self, stream, log_file):
        # The log's own timestamps have whole seconds: each line of interest is also stamped
        # with the wall clock (time.time_ns) as it arrives here, a pipe read after alived wrote it.
        for line in iter(stream.readline, b""):
            log_file.write(line)
            log_file.flush()
            if b"segment closed" in line or b"push recorded" in line or b"/api/v0/add" in line:
                self.stamped.append((time.time_ns(), line.decode(errors="replace")))
        log_file.close()
        stream.close()

    def closed_segments(self):
        """[(wall ns seen, sequence, duration, discontinuity)] of every `segment closed` line so far."""
        found = []
        for ns, line in self.stamped:
            if "segment closed" in line:
                fields = dict(re.findall(r"(segment\.\w+)=(\S+)", line))
                found.append((ns, int(fields["segment.sequence"]), float(fields["segment.duration"]),
                              fields.get("segment.discontinuity") == "true"))
        return found

    def running_or_fail(self):
        if not self.child.running():
            raise Failure(f"alived exited with {self.child.process.returncode}; log {self.logs[-1]}:\n" + self.tail())
        return True

    def tail(self, lines=30):
        with open(self.logs[-1], errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    @property
    def pid(self):
        return self.child.pid

    def status(self, timeout=10):
        return get_json(f"http://127.0.0.1:{self.http_port}/api/v1/status", timeout=timeout)

    def playlist(self):
        status, body = http("GET", f"http://127.0.0.1:{self.http_port}/hls/live.m3u8")
        return body.decode(errors="replace") if status == 200 else None

    def rtmp_url(self):
        return f"rtmp://127.0.0.1:{self.rtmp_port}/live/{self.stream_key}"

    def kill9(self):
        self.child.kill9()
        self.reader.join(timeout=10)

    def stop(self, timeout=30):
        if self.child:
            self.child.stop(timeout=timeout)
            self.reader.join(timeout=10)

    def stored_sequences(self):
        """{cid: segment sequence} from every `[AliveStorage] segment stored` line of every start."""
        found = {}
        for match in re.finditer(r"segment\.sequence=(\d+) storage\.endpoint=\S+ storage\.hash=(\S+) .*\[AliveStorage\] segment stored",
                                 self.log_text()):
            found.setdefault(match.group(2), []).append(int(match.group(1)))
        return found

    def log_text(self):
        text = ""
        for path in self.logs:
            with open(path, errors="replace") as f:
                text += f.read()
        return text


def ffmpeg_argv(url, seconds, rate=25, gop_seconds=2, size="320x240", realtime=True, loglevel="error", frequency=440):
    """testsrc2 + sine, H.264 with a keyframe every gop_seconds, AAC, FLV to url; `-re` paces it like a camera."""
    gop = int(rate * gop_seconds)
    return (["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", loglevel] + (["-re"] if realtime else []) +
            ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
             "-f", "lavfi", "-i", f"sine=frequency={frequency}:sample_rate=48000:duration={seconds}",
             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p",
             "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0",
             "-c:a", "aac", "-b:a", "96k", "-f", "flv", url])


class Encoder:
    def __init__(self, url, seconds, directory, **kwargs):
        self.seconds = seconds
        self.err_path = os.path.join(directory, f"ffmpeg-{time.time_ns()}.log")
        self.err = open(self.err_path, "wb")
        self.child = Child("ffmpeg", ffmpeg_argv(url, seconds, **kwargs), stderr=self.err, nice=5)

    def wait(self, timeout):
        try:
            code = self.child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise Failure(f"ffmpeg still running after {timeout:.0f} s")
        self.err.close()
        return code

    def running(self):
        return self.child.running()

    def stop(self):
        self.child.stop(timeout=5)
        if not self.err.closed:
            self.err.close()

    def stderr(self):
        with open(self.err_path, errors="replace") as f:
            return f.read()


class Stack:
    """Kubo front + ledger doubles + alived in a temporary folder; `with Stack(...) as s:` stops everything."""

    def __init__(self, binary, link="e2e", batch_interval=3, segment_seconds=2, ring_mib=None, hive_nodes=2,
                 log_level="info", keep=False, end_on_stop=False, extra_publishing=""):
        if not os.access(binary, os.X_OK):
            raise Failure(f"no alived binary at {binary} (build it, or pass --binary)")
        self.directory = tempfile.mkdtemp(prefix=f"alived-e2e-{link}-")
        self.keep = keep
        self.front = self.doubles = self.alived = None
        self.encoders = []
        self.link = link
        try:
            self.front = KuboFront()
            self.doubles = Doubles(self.directory, hive_nodes=hive_nodes)
            self.data_dir = os.path.join(self.directory, "data")
            os.makedirs(self.data_dir)
            self.config = write_config(self.directory, self.front, self.doubles, link, batch_interval=batch_interval,
                                       end_on_stop=end_on_stop, extra_publishing=extra_publishing)
            self.stream_key = "e2e-" + os.urandom(6).hex()
            self.alived = Alived(binary, self.config, self.data_dir, self.stream_key, segment_seconds=segment_seconds,
                                 ring_mib=ring_mib, log_level=log_level)
        except BaseException:
            self.stop()
            raise

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is not None and self.alived and self.alived.logs:
            # What the box was doing when the scenario gave up: CI keeps only this output.
            print(f"  alived's last log lines ({self.alived.logs[-1]}):")
            for line in self.alived.tail(40).splitlines():
                print("    " + line[:240])
        self.stop()
        return False

    def encode(self, seconds, **kwargs):
        # Each push sounds a different tone: two pushes of the same synthetic source would
        # otherwise make byte-identical segments (the same CID) and hide repeats.
        kwargs.setdefault("frequency", 300 + 10 * len(self.encoders))
        encoder = Encoder(self.alived.rtmp_url(), seconds, self.directory, **kwargs)
        self.encoders.append(encoder)
        return encoder

    def stop(self):
        for encoder in self.encoders:
            encoder.stop()
        for piece in (self.alived, self.doubles, self.front):
            if piece:
                try:
                    piece.stop()
                except Exception as error:  # keep stopping the others
                    print(f"stopping: {error}", file=sys.stderr)
        if not self.keep:
            shutil.rmtree(self.directory, ignore_errors=True)

    # -- outcomes ----------------------------------------------------------
    def wait_settled(self, minimum, timeout):
        try:
            return wait_for("every closed segment stored, on AliveDB and on the chain",
                            lambda: self.settled(minimum), timeout)
        except Failure as failure:
            raise Failure(f"{failure}: {diagnose(self)}")

    def settled(self, minimum=1):
        """Bounded-wait predicate: alived stored every closed segment, AliveDB has them all and
        every one is on the chain (the accepted pushes of all its links expand to as many
        segments as AliveDB holds). Returns the state."""
        status = self.alived.status(timeout=5)
        closed = status["ring"]["segments_closed"]
        stored = status["storage"]["stored"]
        # a segment declared a gap is settled too (never stored): the scenario then reports it as lost
        if closed < minimum or stored + status["storage"]["gaps"] < closed:
            return None
        state = self.doubles.state()
        # distinct: a segment may reach AliveDB twice when AliveDB was down at a restart (at least
        # once); of every link the box opened (one per event: `<link>`, `<link>-2`, …)
        items = set(i["src"] for i in state["alivedb"]["items"])
        if len(items) < stored:
            return None
        expanded = expand(pushes(state), self.front)
        if len(expanded) < len(items):
            return None
        return state


def diagnose(stack):
    """What the box and the doubles hold, for a failure message."""
    try:
        status = stack.alived.status(timeout=5)
        state = stack.doubles.state()
        items = list(dict.fromkeys(i["src"] for i in state["alivedb"]["items"] if i["link"] == stack.link))
        on_chain = [c for c, _, _ in expand(pushes(state), stack.front)]
        missing = [c for c in items if c not in set(on_chain)]
        known = stack.alived.stored_sequences()
        return (f"ring closed {status['ring']['segments_closed']}, storage stored {status['storage']['stored']} pending "
                f"{status['storage']['pending']}; publishing {json.dumps(status['publishing'])}; AliveDB {len(items)} "
                f"distinct, on chain {len(on_chain)}; on AliveDB but not on chain: "
                f"{[(c, known.get(c)) for c in missing][:10]}; mempool {state['hive']['mempool']}, "
                f"refusals {state['hive']['refusals'][-3:]}")
    except Exception as error:  # a diagnosis must not hide the failure
        return f"(no diagnosis: {error})"


def expand_marked(push_list, front):
    """HAlive: a push with `len` is one segment; otherwise its `src` is a chunk of `hash,len` lines.
    With alived's discontinuity mark (docs/publishing.md): in a chunk with a marked segment every
    line has a third field, `d` on the first segment after a break and empty on the others (one
    CSV: every line as many fields); `"disc": 1` on a single-segment push. Returns
    [(cid, len, seq, marked)]; anything else in a chunk is a failure (the box never writes it)."""
    segments = []
    for push in push_list:
        if "len" in push and push["len"] is not None:
            if push.get("disc", 1) != 1:
                raise Failure(f"push {push['seq']}: disc must be 1 when present, got {push['disc']!r}")
            segments.append((push["src"], float(push["len"]), push["seq"], "disc" in push))
        else:
            text = front.fetch(push["src"]).decode()
            rows = [line.split(",") for line in text.removesuffix("\n").split("\n")]
            widths = {len(fields) for fields in rows}
            if len(rows) < 2 or widths not in ({2}, {3}):
                raise Failure(f"chunk {push['src']}: {len(rows)} lines of {sorted(widths)} fields (one CSV of >= 2 "
                              f"lines, all hash,len or all hash,len,mark): {text[:300]!r}")
            for fields in rows:
                if len(fields) == 3 and fields[2] not in ("d", ""):
                    raise Failure(f"chunk {push['src']}: mark {fields[2]!r} is neither d nor empty")
                segments.append((fields[0], float(fields[1]), push["seq"], len(fields) == 3 and fields[2] == "d"))
            if widths == {3} and not any(len(f) == 3 and f[2] == "d" for f in rows):
                raise Failure(f"chunk {push['src']}: three fields on every line but no segment marked")
    return segments


def expand(push_list, front):
    """[(cid, len, seq)] of every segment the pushes carry, in order (`expand_marked` without marks)."""
    return [(cid, length, seq) for cid, length, seq, _ in expand_marked(push_list, front)]


def check_marks(state, front, order, problems, joins=(), extra_ok=False, what="on-chain segments", link=None):
    """Every break in the on-chain segment order (`order`: their segmenter sequences, from
    check_order) is marked on the first segment after it: a hole (segments lost before storage)
    or a numbering that starts again (a restart of the box). `joins`: segmenter sequences the box
    flagged as a discontinuity when it closed them (encoder reconnects), which must be marked too.
    Any other mark is a problem unless `extra_ok`. Returns (breaks, marked)."""
    marked = [m for _, _, _, m in expand_marked(pushes(state, link), front)][:len(order)]
    breaks = {i + 1 for i, (a, b) in enumerate(zip(order, order[1:])) if b != a + 1}
    expected = breaks | {i for i, sequence in enumerate(order) if sequence in set(joins) and i > 0}
    unmarked = [order[i] for i in sorted(expected) if i < len(marked) and not marked[i]]
    if unmarked:
        problems.append(f"{what}: {len(unmarked)} of {len(expected)} breaks not marked as a discontinuity "
                        f"(segment sequences after them: {unmarked[:10]})")
    extra = [order[i] for i, m in enumerate(marked) if m and i not in expected]
    if extra and not extra_ok:
        problems.append(f"{what}: {len(extra)} segments marked without a break before them: {extra[:10]}")
    return len(expected), sum(marked)


def check_ledger(state, front, link, problems, alivedb_repeats_ok=False):
    """The invariants every scenario checks: accepted op-0 seq 0..n with no gap or repeat; every
    AliveDB item (each stored segment) in exactly one accepted push, in the same order. With
    alivedb_repeats_ok (a kill -9 between an AliveDB push and its journal entry may push a segment
    to AliveDB again after the restart), repeated AliveDB items are counted, not failed. Returns figures."""
    all_pushes = pushes(state, link)
    seqs = [p["seq"] for p in all_pushes]
    if seqs != list(range(len(seqs))):
        repeated = sorted({s for s in seqs if seqs.count(s) > 1})
        missing = sorted(set(range(max(seqs) + 1 if seqs else 0)) - set(seqs))
        problems.append(f"ledger seq not 0..n: repeated {repeated}, missing {missing}, order {seqs[:50]}")
    segments = expand(all_pushes, front)
    cids = [s[0] for s in segments]
    items = [i["src"] for i in state["alivedb"]["items"] if i["link"] == link]
    if len(set(cids)) != len(cids):
        problems.append(f"{len(cids) - len(set(cids))} segments in more than one ledger push")
    alivedb_repeats = len(items) - len(set(items))
    if alivedb_repeats and not alivedb_repeats_ok:
        problems.append(f"{alivedb_repeats} segments pushed to AliveDB more than once")
    items = list(dict.fromkeys(items))
    if cids != items:
        only_chain = [c for c in cids if c not in set(items)]
        only_alivedb = [c for c in items if c not in set(cids)]
        problems.append(f"chain and AliveDB differ: {len(cids)} on chain, {len(items)} on AliveDB, "
                        f"{len(only_alivedb)} only on AliveDB, {len(only_chain)} only on chain")
    return {"pushes": len(all_pushes), "segments_on_chain": len(cids), "alivedb_items": len(items),
            "alivedb_repeats": alivedb_repeats,
            "seq_range": (seqs[0], seqs[-1]) if seqs else None,
            "duration_on_chain": sum(s[1] for s in segments), "segments": segments}


def rebuild_playlist(state, front, link, live=None):
    """The HAlive rule: on-chain pushes (op 0) in seq order, expanded; while live, AliveDB items newer
    than the last on-chain push appended; after op 1, #EXT-X-ENDLIST. alived's discontinuity mark
    becomes #EXT-X-DISCONTINUITY before the marked segment. Returns (text, entries)."""
    ops = [j for j in custom_json(state) if j.get("link") == link]
    chain_pushes = sorted((j for j in ops if j.get("op") == 0), key=lambda j: j["seq"])
    ended = any(j.get("op") == 1 for j in ops)
    segments = expand_marked(chain_pushes, front)
    entries = [(cid, length) for cid, length, _, _ in segments]
    marked = [m for _, _, _, m in segments]
    if live if live is not None else not ended:
        seen = set(cid for cid, _ in entries)
        items = [i for i in state["alivedb"]["items"] if i["link"] == link]
        # newer than the last on-chain push: the items after the last one the chain carries
        last = max((k for k, i in enumerate(items) if i["src"] in seen), default=-1)
        entries += [(i["src"], float(i["len"])) for i in items[last + 1:]]
        marked += [False] * (len(entries) - len(marked))  # AliveDB items carry no mark
    target = max((length for _, length in entries), default=2)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{int(-(-target // 1))}", "#EXT-X-MEDIA-SEQUENCE:0"]
    for (cid, length), mark in zip(entries, marked):
        if mark:
            lines.append("#EXT-X-DISCONTINUITY")
        lines += [f"#EXTINF:{length:.6f},", f"{front.url}/ipfs/{cid}"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n", entries


def viewer_node(stack, state=None):
    """An Alive API node as a viewer's player asks it: HAlive's rules (halive.py) over every
    operation the Hive double included, the Kubo front as its gateway (typed as Kubo's own),
    the AliveDB double for the live tail."""
    state = state or stack.doubles.state()
    node = HAlive(stack.front.url, alivedb=f"http://127.0.0.1:{stack.doubles.ports['alivedb']}")
    node.sync(state["hive"]["accepted_ops"])
    return node, state


def chain_now_ms(state):
    return calendar.timegm(time.strptime(state["hive"]["time"], "%Y-%m-%dT%H:%M:%S")) * 1000


def check_viewer(stack, problems, links=None, expect_ended=None, lost_ok=0, play=True, what="viewer"):
    """What a viewer gets: every segment the box stored (its `segment stored` log lines, all
    starts) is in the playlist an Alive API node serves for the box's links (`links`: all the
    streamer's streams the node knows when None), each once, in segment order within a run of
    the box; no operation of the box refused by the node's rules; no chunk dropped (typed
    other than text/csv, too large, not dag-pb); `expect_ended`: the links that must be ended
    (#EXT-X-ENDLIST) and, when given, the others must be live. With `play`, ffprobe plays each
    playlist (an ended one as is, a live one closed with #EXT-X-ENDLIST). Prints
    "stored N, in the HAlive playlist M" and returns {link: (entries, counts, played)}."""
    node, state = viewer_node(stack)
    for block, payload, reason in node.refused:
        if links is None or (payload or {}).get("link") in links:
            problems.append(f"{what}: HAlive refused an operation of the box (block {block}): {reason}: {payload}")
    links = links or sorted(link for streamer, link in node.streams if streamer == STREAMER)
    stored = stack.alived.stored_sequences()
    now_ms = chain_now_ms(state)
    result, seen = {}, []
    for link in links:
        text, entries, counts = node.playlist(STREAMER, link, now_ms)
        stream = node.streams.get((STREAMER, link))
        ended = bool(stream and stream.ended)
        if stream is None:
            problems.append(f"{what}: HAlive knows no stream {link!r} (no op 2 for it)")
        if expect_ended is not None and ended != (link in expect_ended):
            problems.append(f"{what}: {link} is {'ended' if ended else 'live'} on HAlive, expected "
                            f"{'ended' if link in expect_ended else 'live'}")
        for cid, error in counts["chunks_dropped"]:
            problems.append(f"{what}: HAlive dropped chunk {cid} of {link}: {error}")
        played = None
        if play and entries:
            path = os.path.join(stack.directory, f"halive-{link}.m3u8")
            with open(path, "w") as f:
                f.write(text if ended else text + "#EXT-X-ENDLIST\n")
            played = probe(path)
            if played["errors"]:
                problems.append(f"{what}: ffprobe on HAlive's playlist of {link}: {played['errors'][:400]}")
            if played["video_frames"] == 0:
                problems.append(f"{what}: ffprobe read no video from HAlive's playlist of {link}")
        runs = []
        for cid, _ in entries:
            sequence = stored.get(cid, [None])[0]
            if sequence is not None and runs and sequence > runs[-1][-1]:
                runs[-1].append(sequence)
            elif sequence is not None:
                runs.append([sequence])
        result[link] = (entries, counts, played, runs)
        seen += [cid for cid, _ in entries]
    kept = [cid for cid in stored if cid in set(seen)]
    missing = [cid for cid in stored if cid not in set(seen)]
    repeated = len(seen) - len(set(seen))
    foreign = [cid for cid in seen if cid not in stored]
    if len(missing) > lost_ok:
        problems.append(f"{what}: {len(missing)} of {len(stored)} stored segments in no HAlive playlist "
                        f"(sequences {[stored[c][0] for c in missing][:20]})")
    if repeated:
        problems.append(f"{what}: {repeated} segments twice in HAlive's playlists")
    if foreign:
        problems.append(f"{what}: {len(foreign)} playlist entries the box never stored: {foreign[:5]}")
    described = []
    for link, (entries, counts, _, _) in result.items():
        stream = node.streams.get((STREAMER, link))
        described.append(f"{link}: {len(entries)} ({counts['chain']} on chain, {counts['alivedb']} from AliveDB, "
                         f"{'ended' if stream and stream.ended else 'live'})")
    print(f"  {what}: stored {len(stored)}, in the HAlive playlist {len(kept)} ({'; '.join(described)})")
    return result


class LiveViewer:
    """A viewer of a live stream asking the Alive API node again and again: each sample is the
    node's playlist at that moment (on-chain segments, then AliveDB's items newer than the last
    on-chain push). A sample has a hole when a segment the box stored before the newest listed
    one is missing from it (between the chain's part and AliveDB's, say): a player that loaded
    it skips that segment, or sees it inserted later. Only samples whose every entry the box's
    log already names are judged."""

    def __init__(self, stack, link):
        self.stack, self.link = stack, link
        self.node = HAlive(stack.front.url, alivedb=f"http://127.0.0.1:{stack.doubles.ports['alivedb']}")
        self.samples = self.holes = 0
        self.examples = []

    def sample(self):
        state = self.stack.doubles.state()
        self.node.sync(state["hive"]["accepted_ops"])
        _, entries, counts = self.node.playlist(STREAMER, self.link, chain_now_ms(state))
        stored = self.stack.alived.stored_sequences()
        sequences = [stored.get(cid, [None])[-1] for cid, _ in entries]
        if not entries or None in sequences:
            return
        self.samples += 1
        missing = sorted(set(range(sequences[0], sequences[-1] + 1)) - set(sequences))
        if missing or sequences != sorted(sequences):
            self.holes += 1
            if len(self.examples) < 5:
                self.examples.append(f"{counts['chain']} on chain + {counts['alivedb']} from AliveDB, "
                                     f"sequences {sequences[0]}..{sequences[-1]} without {missing[:5]}")


def probe(playlist_path, timeout=300):
    """Plays the playlist with ffprobe: every packet read (extension_picky off: gateway URLs
    have no extension), frames counted. Returns the played video span (first packet to the
    end of the last), the largest jump between consecutive video packets, frame counts."""
    argv = ["nice", "-n", "5", "ffprobe", "-v", "error", "-protocol_whitelist", "file,http,tcp",
            "-extension_picky", "0", "-count_frames",
            "-show_entries", "stream=codec_type,nb_read_frames:format=duration:packet=codec_type,pts_time,duration_time",
            "-of", "json", playlist_path]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise Failure(f"ffprobe failed ({run.returncode}): {run.stderr[-2000:]}")
    info = json.loads(run.stdout)
    frames = {s["codec_type"]: int(s.get("nb_read_frames") or 0) for s in info.get("streams", [])}
    video = sorted((float(p["pts_time"]), float(p.get("duration_time") or 0)) for p in info.get("packets", [])
                   if p.get("codec_type") == "video" and p.get("pts_time") not in (None, "N/A"))
    span = (video[-1][0] + video[-1][1] - video[0][0]) if video else 0.0
    jump = max((b[0] - a[0] for a, b in zip(video, video[1:])), default=0.0)
    return {"duration": span, "listed_duration": float(info.get("format", {}).get("duration") or 0),
            "largest_jump": jump, "video_frames": frames.get("video", 0),
            "audio_frames": frames.get("audio", 0), "errors": run.stderr.strip()}


def check_order(alived, segments, problems, what="on-chain segments"):
    """The segments (cid, ...) in the order the chain carries them have strictly increasing
    segment sequences (alived's log maps each stored cid to its sequence). Returns the sequences."""
    known = alived.stored_sequences()
    sequences = []
    for entry in segments:
        found = known.get(entry[0])
        if not found:
            problems.append(f"{what}: {entry[0]} not in alived's `segment stored` log lines")
            return sequences
        sequences.append(found[0])
    if any(b <= a for a, b in zip(sequences, sequences[1:])):
        problems.append(f"{what} out of segment order: {sequences[:80]}")
    return sequences


def slope_per_hour(samples):
    """Least-squares slope of [(seconds, value)] in value per hour."""
    n = len(samples)
    if n < 2:
        return 0.0
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    return 3600 * sum((t - mx) * (v - my) for t, v in samples) / var if var else 0.0
