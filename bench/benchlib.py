"""Helpers shared by the benchmark commands: ports, /proc readings, the cached input."""
import os, socket, subprocess, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "bench", ".cache")
CLK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nothing listening on {port} after {timeout}s")


def cpu_seconds(pid, tid=None):
    """User + system CPU seconds of a process (its exited threads included), or of one thread."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    fields = open(path).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def kib(pid, path, key):
    for line in open(f"/proc/{pid}/{path}"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def wait_idle(pid, settle=1.0, timeout=60):
    """Waits until the server stops burning CPU (it finished the pushed input)."""
    last, stable_since, deadline = cpu_seconds(pid), time.time(), time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.2)
        now = cpu_seconds(pid)
        if now - last > 0.005:
            last, stable_since = now, time.time()
        elif time.time() - stable_since >= settle:
            return
    raise SystemExit("server never went idle")


def make_input():
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, "input-1080p30-6M-60s.flv")
    if not os.path.exists(path):
        print("generating the input once (60 s 1080p30 6 Mbit/s H.264 + AAC) ...", flush=True)
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                        "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=60",
                        "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
                        "-c:v", "libx264", "-preset", "veryfast", "-b:v", "6M", "-maxrate", "6M", "-bufsize", "12M",
                        "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", "128k", "-f", "flv", path + ".tmp"], check=True)
        os.rename(path + ".tmp", path)
    return path


