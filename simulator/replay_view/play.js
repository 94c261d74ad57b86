// cairn's play mode: the simulator core, compiled to WebAssembly, runs in
// the page; the learner drives a live cluster and the replay view draws
// it. Every action is a scenario statement, so the session's script (Save)
// replays it exactly with `cairnsim run`, and forking at a past moment is
// running a prefix of the script again. scripts/build-play puts this file
// and the module into cairn-play.html.
"use strict";
(function () {
  const R = window.cairnReplay;
  const bar = document.createElement("div");
  bar.id = "play";
  bar.innerHTML = `
<style>
  #play { background: #f1f3f5; border-bottom: 1px solid var(--line); padding: 6px 16px;
          display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; }
  #play fieldset { border: 1px solid #ced4da; border-radius: 5px; padding: 2px 6px;
                   margin: 0; display: flex; gap: 4px; align-items: center; }
  #play legend { font-size: 10px; color: var(--muted); padding: 0 3px; }
  #play button { font: inherit; padding: 2px 7px; border: 1px solid var(--line);
                 background: #fff; border-radius: 4px; cursor: pointer; }
  #play button:disabled { opacity: .45; cursor: default; }
  #play input[type=text] { font: inherit; width: 70px; padding: 1px 4px; }
  #play-status { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap;
                 max-height: 5em; overflow: auto; flex-basis: 100%; }
  #play-status.err { color: #c92a2a; }
  #play-script { position: fixed; right: 20px; top: 60px; width: 460px; height: 60vh;
                 display: none; background: #fff; border: 1px solid #adb5bd; padding: 8px;
                 box-shadow: 0 2px 12px rgba(0,0,0,.2); z-index: 5; }
  #play-script textarea { width: 100%; height: calc(100% - 34px); font-family: ui-monospace,
                          monospace; font-size: 12px; }
</style>
<fieldset><legend>cluster</legend>
  <select id="p-members"><option>3</option><option selected>5</option><option>7</option></select>
  <label><input type="checkbox" id="p-prevote" checked>pre-vote</label>
  <label><input type="checkbox" id="p-cq" checked>check-quorum</label>
  seed <input type="text" id="p-seed" value="1" style="width:40px">
  <button id="p-new">new</button></fieldset>
<fieldset><legend>time</legend>
  <button id="p-run">run</button><button id="p-step">step</button>
  <button id="p-run1">+1s</button><button id="p-fork" disabled>fork here</button></fieldset>
<fieldset><legend>member</legend>
  <select id="p-member"></select>
  <button data-act="crash">crash</button><button data-act="kill">kill</button>
  <button data-act="restart">restart</button><button data-act="pause">pause</button>
  <button data-act="resume">resume</button><button data-act="campaign">time out</button>
  <button data-act="isolate">isolate</button><button data-act="remove">remove</button></fieldset>
<fieldset><legend>network</legend>
  <input type="text" id="p-groups" value="n1 n2 | n3" style="width:90px">
  <button id="p-partition">partition</button><button id="p-heal">heal</button>
  <button id="p-drop" disabled>drop selected message</button></fieldset>
<fieldset><legend>client</legend>
  <input type="text" id="p-key" value="k"><input type="text" id="p-value" value="v1">
  <button data-op="put">put</button><button data-op="get">get</button>
  <button data-op="delete">delete</button> on the selected member</fieldset>
<fieldset><legend>membership</legend>
  <button id="p-add">add member</button><button id="p-promote">promote</button>
  <button id="p-transfer">transfer leadership</button></fieldset>
<fieldset><legend>statement</legend>
  <input type="text" id="p-line" value="expect leader elected" style="width:210px">
  <button id="p-exec">run it</button>
  <button id="p-show">script</button><button id="p-save">save .scn</button></fieldset>
<div id="play-status">loading the WebAssembly module...</div>
<div id="play-script"><textarea id="p-text" readonly></textarea>
  <button id="p-close">close</button></div>`;
  document.getElementById("controls").after(bar);
  const $ = id => document.getElementById(id);

  let mod = null, api = null;
  let setupScript = "";  // the script the session was created from
  let history = [];      // [{kind: "exec"|"run", text, micros, t0, t1}]
  let running = false, lastFrame = 0;

  function status(text, err) {
    const el = $("play-status");
    el.textContent = text;
    el.className = err ? "err" : "";
  }
  function call(name, arg) {
    const r = JSON.parse(api[name](arg));
    if (!r.ok) status(r.error, true);
    return r;
  }
  function following() { return R.time() >= R.endTime; }
  function refreshMembers() {
    const sel = $("p-member"), keep = sel.value;
    sel.innerHTML = R.members.map(n => `<option>${n}</option>`).join("");
    if (R.members.includes(keep)) sel.value = keep;
    const fork = $("p-fork");
    fork.disabled = R.time() >= R.endTime;
    const m = R.selected();
    $("p-drop").disabled = !(m && m.fate === "in flight" && m.id !== undefined);
  }
  // Runs scenario lines on the live cluster.
  function exec(lines) {
    const t0 = mod ? R.endTime : 0, follow = following();
    const r = call("exec", lines);
    if (r.events) R.append(r.events, follow);
    if (r.ok || r.events) history.push({ kind: "exec", text: lines, t0, t1: r.now });
    if (r.ok) status(lines);
    refreshMembers();
    return r;
  }
  function run(micros) {
    const t0 = R.endTime, follow = following();
    const r = call("run", micros);
    R.append(r.events, follow);
    const last = history[history.length - 1];
    if (last && last.kind === "run" && last.t1 === t0) { last.micros += micros; last.t1 = r.now; }
    else history.push({ kind: "run", micros, t0, t1: r.now });
    refreshMembers();
    return r;
  }
  function create(script) {
    const r = JSON.parse(api.create(script));
    if (!r.ok && !r.events) { status(r.error, true); return false; }
    setupScript = script; history = [];
    R.reset(); R.append(r.events, true);
    status(r.ok ? "a new cluster: " + R.members.join(" ") : r.error, !r.ok);
    refreshMembers();
    return true;
  }
  function newCluster() {
    setRunning(false);
    const seed = parseInt($("p-seed").value) || 1;
    create(`# Play: a live cluster.\nmembers ${$("p-members").value}\nseed ${seed}\n` +
           `pre-vote ${$("p-prevote").checked ? "on" : "off"}\n` +
           `check-quorum ${$("p-cq").checked ? "on" : "off"}\n\n` +
           `wait until leader elected within 10s\n`);
  }
  // Forking: the same script up to the moment on the timeline, run again.
  function fork() {
    setRunning(false);
    const t = R.time();
    let script = setupScript.endsWith("\n") ? setupScript : setupScript + "\n";
    for (const h of history) {
      if (h.t0 >= t) break;
      if (h.kind === "exec") script += h.text + "\n";
      else script += "after " + Math.max(1, Math.round(Math.min(h.t1, t) - h.t0)) + "us\n";
    }
    if (create(script)) status("forked at " + (t / 1e6).toFixed(6) + "s");
  }
  function frame(ts) {
    if (!running) return;
    if (lastFrame) {
      const speed = parseFloat($("speed").value);
      const micros = Math.min(200000, Math.max(1, (ts - lastFrame) * 1000 * speed));
      run(micros);
    }
    lastFrame = ts;
    requestAnimationFrame(frame);
  }
  function setRunning(on) {
    running = on; lastFrame = 0;
    $("p-run").textContent = on ? "stop" : "run";
    if (on) { R.seek(R.endTime); requestAnimationFrame(frame); }
  }
  function member() { return $("p-member").value; }

  function wire() {
    $("p-new").onclick = newCluster;
    $("p-run").onclick = () => setRunning(!running);
    $("p-run1").onclick = () => run(1e6);
    $("p-step").onclick = () => {
      // To the next scheduled event (a stale timer may need a few steps).
      const before = R.events.length;
      for (let i = 0; i < 20 && R.events.length === before; i++) {
        run(Math.max(1, api.next() - R.endTime));
      }
    };
    $("p-fork").onclick = fork;
    for (const b of bar.querySelectorAll("[data-act]")) {
      b.onclick = () => {
        const m = member(), act = b.dataset.act;
        exec(act === "remove" ? `member remove ${m}` : `${act} ${m}`);
      };
    }
    for (const b of bar.querySelectorAll("[data-op]")) {
      b.onclick = () => {
        const k = JSON.stringify($("p-key").value), v = JSON.stringify($("p-value").value);
        const op = b.dataset.op;
        exec(op === "put" ? `put ${k} ${v} on ${member()}` : `${op} ${k} on ${member()}`);
      };
    }
    $("p-partition").onclick = () => exec("partition " + $("p-groups").value);
    $("p-heal").onclick = () => exec("heal");
    $("p-drop").onclick = () => {
      const m = R.selected();
      if (m && m.id !== undefined) exec("drop message " + m.id);
    };
    $("p-add").onclick = () => {
      let k = 1;
      while (R.members.includes("n" + k)) k++;
      if (k > 9) { status("a cluster has at most n1..n9", true); return; }
      exec(`member add n${k}`);
    };
    $("p-promote").onclick = () => exec(`member promote ${member()}`);
    $("p-transfer").onclick = () => exec(`transfer leadership to ${member()}`);
    $("p-exec").onclick = () => exec($("p-line").value);
    $("p-line").onkeydown = e => { if (e.key === "Enter") exec($("p-line").value); };
    $("p-show").onclick = () => { $("p-text").value = api.script(); $("play-script").style.display = "block"; };
    $("p-close").onclick = () => { $("play-script").style.display = "none"; };
    $("p-save").onclick = () => {
      const blob = new Blob([api.script()], { type: "text/plain" });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob); a.download = "play.scn"; a.click();
    };
    R.onUpdate = refreshMembers;
    document.getElementById("timeline").addEventListener("click", () => setTimeout(refreshMembers, 0));
  }

  CairnPlay().then(m => {
    mod = m;
    api = {
      create: m.cwrap("cairn_play_create", "string", ["string"]),
      exec: m.cwrap("cairn_play_exec", "string", ["string"]),
      run: m.cwrap("cairn_play_run", "string", ["number"]),
      next: m.cwrap("cairn_play_next_event", "number", []),
      script: m.cwrap("cairn_play_script", "string", []),
    };
    wire();
    newCluster();
    // For tests: drive the page the way the buttons do.
    window.cairnPlay = { exec, run, fork, create, newCluster, script: () => api.script(),
                         setRunning, history: () => history };
  }, e => status("the WebAssembly module failed to load: " + e, true));
})();
