"use strict";
const $ = (id) => document.getElementById(id);
let csrf = null, authenticated = false, samples = [], lastThumbSeq = null, config = null;

async function api(path, options = {}) {
  const headers = Object.assign({ "Content-Type": "application/json" }, options.headers || {});
  if (csrf && options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, Object.assign({}, options, { headers, credentials: "same-origin" }));
  let body = null;
  try { body = await response.json(); } catch (e) {}
  return { status: response.status, body };
}

function fill(list, pairs) {
  list.replaceChildren();
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === "") continue;
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = v;
    list.append(dt, dd);
  }
}

function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MiB"; }

async function refreshStatus() {
  const { status, body } = await api("/api/v1/status");
  if (status !== 200) return;
  const ingest = body.ingest, ring = body.ring;
  const live = ingest.state === "publishing";
  $("state").textContent = live ? "LIVE" : "idle";
  $("state").className = "pill" + (live ? " live" : "");
  fill($("ingest"), [["State", ingest.state], ["Encoder", ingest.publisher], ["Video", ingest.video_codec],
    ["Resolution", ingest.width ? ingest.width + "×" + ingest.height : null], ["Frame rate", ingest.frames_per_second],
    ["Audio", ingest.audio_codec], ["Bitrate in", live ? ingest.bitrate_in_kbps + " kbit/s" : null],
    ["Received", mb(ingest.bytes_received)], ["Last error", ingest.last_error]].concat(body.camera ? [
    ["Camera", body.camera.state + " (" + body.camera.input_format + " " + body.camera.device + ")"],
    ["H.264 encoder", body.camera.encoder], ["Camera frames dropped", body.camera.frames_dropped]] : []));
  fill($("ring"), [["Ring", mb(ring.bytes_in_use) + " of " + mb(ring.budget_bytes)], ["Segments", ring.segments + " held, " + ring.segments_closed + " closed"],
    ["Dropped", ring.segments_dropped], ["Refused", ring.segments_refused],
    ["Last segment", ring.last_segment ? "#" + ring.last_segment.sequence + ", " + ring.last_segment.duration_seconds.toFixed(3) + " s" : null]]);
  const storage = body.storage, publishing = body.publishing;
  $("publishing-section").classList.toggle("hidden", !storage && !publishing);
  fill($("storage"), storage ? [["Storage", storage.backend], ["Stored", storage.stored + " segments, " + storage.pending + " waiting"],
    ["Gaps", storage.gaps], ["Last hash", storage.last_stored.length ? storage.last_stored[storage.last_stored.length - 1].hash : null]] : []);
  const local = publishing && publishing.network === "local";
  const open = publishing && publishing.stream, past = (publishing && publishing.past_streams) || [];
  const seqs = (a, b) => (a === undefined || a === null ? "–" : a) + "–" + (b === undefined || b === null ? "–" : b);
  const when = (t) => t ? new Date(t).toLocaleString() : "";
  fill($("publishing"), publishing ? [["Publishing", publishing.phase + (local ? " to the box's own record (not broadcast)" : " on " + publishing.network) + " as " + publishing.streamer + "/" + (publishing.link || publishing.link_template)],
    ["Open stream", open ? open.link + " since " + when(open.opened_at) + ", " + open.segments + " segments, seq " + seqs(open.first_seq, open.next_seq)
      : "none: the next one (" + publishing.link_template + ") opens when the encoder starts"],
    ["Viewer link", open && open.viewer_url],
    ["Past streams", past.length ? past.map((p) => p.link + (p.ended_at ? ", ended " + when(p.ended_at) : ", ending") + ", " + p.segments
      + " segments, seq " + seqs(p.first_seq, p.last_seq) + (p.viewer_url ? ", " + p.viewer_url : "")).join(" · ") : null],
    ["Not published", publishing.unpublished_segments ? publishing.unpublished_segments + " segments stored while no stream was open" : null],
    ["AliveDB", publishing.alive_db ? publishing.alive_db.pushed + " pushed, " + publishing.alive_db.failed + " failed, " + publishing.alive_db.dropped + " dropped"
      + (publishing.alive_db.already_held ? ", " + publishing.alive_db.already_held + " already held after the restart" : "")
      + (publishing.alive_db.recovered ? ", " + publishing.alive_db.recovered + " recovered for the ledger" : "") : null],
    [local ? "Last seq recorded" : "Last seq on-chain", publishing.last_confirmed_seq], [local ? "Last record" : "Last transaction", publishing.last_transaction_id],
    ["Last push", local && publishing.local_pushes && publishing.local_pushes.length ? publishing.local_pushes[publishing.local_pushes.length - 1] : null],
    ["Discontinuities marked", publishing.discontinuities || null],
    ["Stream ended", publishing.stream_ended ? "yes" : null], ["Problem", publishing.last_problem]] : []);
  // No ledger (network "none"): nothing to configure or end. Login is handled by needs-auth.
  $("stream-buttons").style.display = publishing && publishing.network !== "none" ? "" : "none";
  // A refused file: the box runs on its last good copy or the embedded default until fixed.
  const cfg = body.configuration, refused = !!(cfg && cfg.problems.length);
  $("config-banner").classList.toggle("hidden", !refused);
  if (refused) {
    $("config-banner-text").textContent = "The box is running on " + (cfg.source === "last_good" ? "the last configuration that was valid (kept beside the file as .last-good)" : "the embedded default")
      + ", not on the file. " + (cfg.rejected_file ? "A copy of the refused file is kept as " + cfg.rejected_file + "; the file itself is left as it was." : "");
    $("config-problems").replaceChildren(...cfg.problems.map((p) => { const li = document.createElement("li"); li.textContent = p; return li; }));
  }
  $("warnings").replaceChildren(...body.warnings.map((w) => { const li = document.createElement("li"); li.textContent = w; return li; }));
  const now = Date.now() / 1000;
  samples.push([now, live ? ingest.bitrate_in_kbps : 0]);
  samples = samples.filter(([t]) => now - t <= 300);
  drawGraph();
  if (ring.last_segment && ring.last_segment.sequence !== lastThumbSeq) {
    lastThumbSeq = ring.last_segment.sequence;
    $("thumb").src = "/api/v1/thumbnail.jpg?segment=" + lastThumbSeq;
  }
}

function drawGraph() {
  const rates = samples;   // [seconds, kbit/s] as the box measured it
  if (rates.length < 2) { $("bitrate").textContent = ""; return; }
  const max = Math.max(1, ...rates.map((r) => r[1])), end = rates[rates.length - 1][0];
  $("graph-line").setAttribute("points", rates.map(([t, r]) => ((300 - (end - t)) ).toFixed(1) + "," + (58 - r / max * 55).toFixed(1)).join(" "));
  $("bitrate").textContent = "in: " + Math.round(rates[rates.length - 1][1]) + " kbit/s (peak " + Math.round(max) + " over 5 min)";
}

async function refreshAuth() {
  const { body } = await api("/api/v1/auth");
  authenticated = body.authenticated; csrf = body.csrf_token || null;
  $("auth").classList.toggle("hidden", authenticated);
  $("auth-title").textContent = body.password_set ? "Log in" : "Set the page password (first start)";
  $("auth-submit").textContent = body.password_set ? "Log in" : "Set password";
  $("password").autocomplete = body.password_set ? "current-password" : "new-password";
  $("auth-form").dataset.mode = body.password_set ? "login" : "setup";
  $("setup-hint").classList.toggle("hidden", body.password_set);
  for (const el of document.querySelectorAll(".needs-auth")) el.classList.toggle("hidden", !authenticated);
  if (authenticated) { await loadConfig(); await refreshLogs(); }
}

$("auth-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const mode = $("auth-form").dataset.mode;
  const { status, body } = await api("/api/v1/auth/" + mode, { method: "POST", body: JSON.stringify({ password: $("password").value }) });
  $("password").value = "";
  if (status === 200 || status === 201) { $("auth-error").textContent = ""; csrf = body.csrf_token; await refreshAuth(); }
  else $("auth-error").textContent = (body && body.error) || ("error " + status);
});

$("logout").addEventListener("click", async () => { await api("/api/v1/auth/logout", { method: "POST" }); csrf = null; await refreshAuth(); });

$("new-key").addEventListener("click", async () => {
  if (!confirm("Replace the stream key? The encoder must use the new key at its next connection.")) return;
  const bytes = new Uint8Array(15); crypto.getRandomValues(bytes);
  const key = Array.from(bytes, (b) => "abcdefghijkmnopqrstuvwxyz23456789"[b % 33]).join("");
  const { status, body } = await api("/api/v1/secrets", { method: "PUT", body: JSON.stringify({ stream_key: key }) });
  $("stream-key").textContent = status === 200 ? key : ((body && body.error) || "error " + status);
});

async function streamOperation(name, question) {
  if (!confirm(question)) return;
  $("stream-result").textContent = "Waiting for the transaction to be on-chain…";
  const { status, body } = await api("/api/v1/stream/" + name, { method: "POST" });
  $("stream-result").textContent = status === 200
    ? "Done: transaction " + body.transaction_id + (body.block ? " in block " + body.block : "")
    : ((body && body.error) || ("error " + status));
}
$("stream-configure").addEventListener("click", () => streamOperation("configure", "Broadcast the stream's configuration on the ledger?"));
$("stream-end").addEventListener("click", () => streamOperation("end", "End the stream on the ledger? Viewers get it as a finished video and no more segments can be added."));

const fieldsShown = [["segments.seconds", "Segment length (s, 1-10)"], ["ring.budget_mib", "Ring budget (MiB)"], ["ring.playlist_window", "Playlist window (segments)"],
  ["ingest.app", "RTMP application"], ["ingest.rtmp_port", "RTMP port"], ["ingest.idle_timeout_seconds", "Encoder idle time-out (s)"],
  ["http.port", "HTTP port"], ["http.open_hls", "HLS preview without login"], ["http.open_metrics", "Metrics without login"]];

function valueAt(tree, path) { return path.split(".").reduce((node, key) => node && node[key], tree); }

async function loadConfig() {
  const { status, body } = await api("/api/v1/config");
  if (status !== 200) return;
  config = body.config;
  $("rtmp-url").textContent = "rtmp://" + location.hostname + ":" + valueAt(config, "ingest.rtmp_port") + "/" + valueAt(config, "ingest.app");
  const form = $("config-form"); form.replaceChildren();
  for (const [path, title] of fieldsShown) {
    const value = valueAt(config, path), div = document.createElement("div"); div.className = "field";
    const label = document.createElement("label"); label.textContent = title; label.htmlFor = "f-" + path;
    const input = document.createElement("input"); input.id = "f-" + path; input.name = path;
    if (typeof value === "boolean") { input.type = "checkbox"; input.checked = value; input.style.width = "auto"; }
    else { input.value = value; input.inputMode = typeof value === "number" ? "numeric" : "text"; }
    const error = document.createElement("div"); error.className = "error"; error.id = "e-" + path;
    div.append(label, input, error); form.append(div);
  }
}

$("save-config").addEventListener("click", async () => {
  const patch = {};
  for (const [path] of fieldsShown) {
    const input = $("f-" + path), old = valueAt(config, path);
    let value = input.type === "checkbox" ? input.checked : (typeof old === "number" && /^-?\d+$/.test(input.value.trim()) ? Number(input.value.trim()) : input.value);
    if (value === old) continue;
    const [section, key] = path.split("."); (patch[section] = patch[section] || {})[key] = value;
    $("e-" + path).textContent = "";
  }
  for (const el of document.querySelectorAll("#config-form .error")) el.textContent = "";
  const { status, body } = await api("/api/v1/config", { method: "PATCH", body: JSON.stringify(patch) });
  if (status === 200) {
    config = body.config;
    $("config-result").textContent = "Saved." + (body.restart_required.length ? " Restart needed for: " + body.restart_required.join(", ") : "");
  } else {
    $("config-result").textContent = (body && body.error) || ("error " + status);
    for (const problem of (body && body.errors) || []) { const el = $("e-" + problem.path); if (el) el.textContent = problem.reason; }
  }
});

async function refreshLogs() {
  if (!authenticated) return;
  const { status, body } = await api("/api/v1/logs?lines=100");
  if (status === 200) { const el = $("logs"); const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - 4; el.textContent = body.lines.join("\n"); if (atEnd) el.scrollTop = el.scrollHeight; }
  else if (status === 401) await refreshAuth();
}

refreshAuth().then(refreshStatus);
setInterval(refreshStatus, 1500);
setInterval(refreshLogs, 3000);
