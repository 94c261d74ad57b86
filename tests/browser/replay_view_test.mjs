// The replay view in a real browser: cairnsim writes the page of a
// scenario run, Debian's Chromium (headless, driven by playwright-core)
// loads it, and what the page shows at chosen moments is checked against
// the run's own trace. Usage:
//   node replay_view_test.mjs CAIRNSIM SCENARIOS_DIR OUT_DIR
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [sim, scenarios, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node replay_view_test.mjs CAIRNSIM SCENARIOS_DIR OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const browserPath = process.env.CAIRN_CHROMIUM || "/usr/bin/chromium";

let failures = 0;
function check(ok, what) {
  if (!ok) { failures++; console.error("FAIL: " + what); } else console.log("ok: " + what);
}

// Runs a scenario with --html and --trace; returns the trace's events.
function render(name, file) {
  const html = join(out, name + ".html");
  const trace = join(out, name + ".jsonl");
  execFileSync(sim, ["run", file, "--html", html, "--trace", trace]);
  const events = readFileSync(trace, "utf8").split("\n").filter(Boolean).map(l => JSON.parse(l));
  return { html, events };
}
// The last "state" event of member n at or before t.
function stateAt(events, n, t) {
  let s = null;
  for (const e of events) { if (e.t > t) break; if (e.ev === "state" && e.n === n) s = e; }
  return s;
}
function roleOf(s) { return s.role === "down" || s.role === "removed" ? s.role : s.paused ? "paused" : s.role; }

const browser = await chromium.launch({ executablePath: browserPath, headless: true,
                                        args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const pageErrors = [];
  page.on("pageerror", e => pageErrors.push(String(e)));

  // ---- Figure 8: roles, terms and logs at chosen moments. ----
  const f8 = render("figure-8", join(scenarios, "figure-8-previous-term.scn"));
  await page.goto("file://" + f8.html);
  await page.waitForFunction(() => window.cairnReplay !== undefined);
  const endTime = await page.evaluate(() => window.cairnReplay.endTime);
  const lastT = f8.events[f8.events.length - 1].t;
  check(endTime === lastT, `the page's end time ${endTime} is the trace's ${lastT}`);
  check((await page.textContent("#title")).includes("Figure 8"), "the title is the scenario's");
  const members = await page.evaluate(() => window.cairnReplay.members);
  check(JSON.stringify(members) === JSON.stringify(["n1", "n2", "n3", "n4", "n5"]), "five lanes");

  // Moments: where the scenario's statements ran, the page's member cards
  // must show what the trace says.
  const moments = f8.events.filter(e => e.ev === "statement" &&
    /expect n5 term = 2|expect n1 term = 3|check invariants/.test(e.source));
  check(moments.length === 3, "found the three moments in the trace");
  for (const m of moments) {
    await page.evaluate(t => window.cairnReplay.seek(t), m.t);
    for (const n of members) {
      const want = stateAt(f8.events, n, m.t);
      const role = await page.getAttribute(`.member[data-member="${n}"] .role`, "data-role");
      check(role === roleOf(want), `${m.source}: ${n} is ${roleOf(want)} (page: ${role})`);
      if (want.term !== undefined) {
        const term = await page.textContent(`.member[data-member="${n}"] [data-field="term"]`);
        check(term === "term " + want.term, `${m.source}: ${n} term ${want.term} (page: ${term})`);
      }
    }
  }
  // At "expect n5 entry 3 term = 2", n5's log shows term 2 at index 3.
  const entryMoment = f8.events.find(e => e.ev === "statement" && e.source === "expect n5 entry 3 term = 2");
  await page.evaluate(t => window.cairnReplay.seek(t), entryMoment.t);
  const cell = await page.textContent('.member[data-member="n5"] .entry[data-index="3"]');
  check(cell === "2", `n5's entry 3 shows term 2 (page: ${cell})`);
  const cuts = await page.evaluate(() => window.cairnReplay.cuts());
  check(cuts.length === 8 && cuts.every(c => c.includes("n5")), "n5 is cut off then");
  await page.screenshot({ path: join(out, "figure-8-n5-leads.png") });

  // Stepping, playing and scrubbing move the clock.
  await page.evaluate(() => window.cairnReplay.seek(0));
  await page.click("#b-next");
  const t1 = await page.evaluate(() => window.cairnReplay.time());
  check(t1 > 0, `next event moves the clock (to ${t1})`);
  await page.click("#b-prev");
  check(await page.evaluate(() => window.cairnReplay.time()) < t1, "previous event moves it back");
  await page.selectOption("#speed", "0.25");
  await page.click("#b-play");
  await page.waitForTimeout(600);
  await page.click("#b-play");
  const played = await page.evaluate(() => window.cairnReplay.time());
  check(played > 50000, `playing 0.6 s at 0.25x advanced the clock (${played} us)`);
  await page.$eval("#slider", el => { el.value = 500; el.dispatchEvent(new Event("input")); });
  const mid = await page.evaluate(() => window.cairnReplay.time());
  check(Math.abs(mid - endTime / 2) <= endTime / 1000 + 1, "the slider scrubs to the middle");

  // Clicking an arrow shows that message.
  const target = await page.evaluate(() => {
    const v = window.cairnReplay.visibleArrows();
    const a = v.find(a => Math.hypot(a.xb - a.xa, a.yb - a.ya) > 40);
    return a && { x: (a.xa + a.xb) / 2, y: (a.ya + a.yb) / 2, desc: a.m.desc };
  });
  check(target !== undefined && target !== null, "an arrow is on screen");
  if (target) {
    const box = await page.$("#timeline").then(c => c.boundingBox());
    await page.mouse.click(box.x + target.x, box.y + target.y);
    const details = await page.textContent("#details");
    check(details.startsWith(target.desc), `the details show the message (${target.desc})`);
  }
  await page.screenshot({ path: join(out, "figure-8-message.png") });

  // ---- A long run stays responsive: seeks over a 10k+ event trace. ----
  const long = `# A long quiet run: 80 seconds of heartbeats among five members.
members 5
seed 3
network latency 1ms..20ms reorder on duplicate 1%

wait until leader elected within 5s
put k v expect ok
isolate n2
after 40s
heal
after 40s
check invariants
`;
  writeFileSync(join(out, "long.scn"), long);
  const lr = render("long", join(out, "long.scn"));
  check(lr.events.length > 10000, `the long run has ${lr.events.length} events`);
  await page.goto("file://" + lr.html);
  await page.waitForFunction(() => window.cairnReplay !== undefined);
  const ms = await page.evaluate(() => {
    const r = window.cairnReplay, t0 = performance.now();
    for (let i = 0; i < 60; i++) r.seek(r.endTime * i / 60);
    return (performance.now() - t0) / 60;
  });
  console.log(`figure: ${lr.events.length} events, ${ms.toFixed(1)} ms per seek (draw + panels)`);
  await page.screenshot({ path: join(out, "long.png") });
  // ---- A fuzz seed of the kv workload: cairnsim replay --html. ----
  const kvHtml = join(out, "kv-seed-5.html");
  execFileSync(sim, ["replay", "--seed", "5", "--nodes", "3", "--duration", "2", "--html", kvHtml]);
  await page.goto("file://" + kvHtml);
  await page.waitForFunction(() => window.cairnReplay !== undefined);
  const kv = await page.evaluate(() => {
    const r = window.cairnReplay;
    r.seek(r.endTime);
    return { members: r.members, roles: r.members.map(n => r.state(n).role),
             messages: r.messages.length, title: document.getElementById("title").textContent };
  });
  check(JSON.stringify(kv.members) === JSON.stringify(["n1", "n2", "n3"]), "the kv replay has three lanes");
  check(kv.roles.filter(r => r === "leader").length === 1, "one leader at the end of the kv run: " + kv.roles);
  check(kv.messages > 100 && kv.title.includes("--seed 5"), `the kv run's ${kv.messages} messages and title`);
  await page.screenshot({ path: join(out, "kv-seed-5.png") });
  check(pageErrors.length === 0, "no script errors: " + pageErrors.join("; "));
} finally {
  await browser.close();
}
if (failures > 0) { console.error(failures + " check(s) failed"); process.exit(1); }
console.log("all checks passed");
