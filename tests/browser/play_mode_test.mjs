// The play mode in a real browser: the simulator core, built to
// WebAssembly (scripts/build-play), runs in Debian's Chromium; the test
// drives it through the page's buttons (crash the leader, see a new one),
// forks the run from before the crash, drops a message in flight, starts
// a cluster with other settings, and replays the saved script with the
// native cairnsim. Usage:
//   node play_mode_test.mjs PLAY_HTML CAIRNSIM OUT_DIR
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [pageFile, sim, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node play_mode_test.mjs PLAY_HTML CAIRNSIM OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
let failures = 0;
function check(ok, what) {
  if (!ok) { failures++; console.error("FAIL: " + what); } else console.log("ok: " + what);
}

const browser = await chromium.launch({
  executablePath: process.env.CAIRN_CHROMIUM || "/usr/bin/chromium", headless: true,
  args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  const errors = [];
  page.on("pageerror", e => errors.push(String(e)));
  await page.goto("file://" + pageFile);
  await page.waitForFunction(() => window.cairnPlay !== undefined, null, { timeout: 60000 });
  const leaderNow = () => page.evaluate(() => {
    const r = window.cairnReplay;
    return r.members.map(n => ({ n, s: r.state(n) }))
      .filter(x => x.s && x.s.role === "leader" && !x.s.paused)
      .sort((a, b) => b.s.term - a.s.term)[0] || null;
  });
  check((await page.evaluate(() => window.cairnReplay.members.length)) === 5, "a 5-member cluster starts");
  const first = await leaderNow();
  check(first !== null, "it elects a leader" + (first ? ` (${first.n}, term ${first.s.term})` : ""));
  const beforeCrash = await page.evaluate(() => window.cairnReplay.endTime);

  // Crash the leader with the buttons; run; a new leader in a higher term.
  await page.selectOption("#p-member", first.n);
  await page.click('button[data-act="crash"]');
  for (let i = 0; i < 4; i++) await page.click("#p-run1");
  const second = await leaderNow();
  check(second !== null && second.n !== first.n && second.s.term > first.s.term,
        `a new leader after the crash (${second && second.n}, term ${second && second.s.term})`);
  const crashed = await page.evaluate(n => window.cairnReplay.state(n).role, first.n);
  check(crashed === "down", `${first.n} is down on the page`);
  await page.screenshot({ path: join(out, "play-new-leader.png") });

  // A client write through the buttons, then the script replays natively.
  await page.fill("#p-key", "greeting");
  await page.fill("#p-value", "hello");
  await page.selectOption("#p-member", second.n);
  await page.click('button[data-op="put"]');
  await page.click("#p-run1");
  const script = await page.evaluate(() => window.cairnPlay.script());
  check(script.includes(`crash ${first.n}`) && script.includes(`put "greeting" "hello" on ${second.n}`),
        "the script records the actions");
  const scn = join(out, "play.scn");
  writeFileSync(scn, script + `expect leader is ${second.n}\nexpect ${second.n} sees greeting = hello\n`);
  let replay = "";
  try { replay = execFileSync(sim, ["run", scn]).toString(); } catch (e) { replay = String(e.stdout); }
  check(replay.includes("1 passed, 0 failed"), "cairnsim run replays the saved script: " + replay.split("\n")[0]);

  // Fork from before the crash: the old leader leads again.
  await page.evaluate(t => window.cairnReplay.seek(t), beforeCrash);
  await page.click("#p-fork");
  const forked = await leaderNow();
  check(forked !== null && forked.n === first.n && forked.s.term === first.s.term,
        `the fork is back before the crash (${forked && forked.n} leads term ${forked && forked.s.term})`);
  const forkedScript = await page.evaluate(() => window.cairnPlay.script());
  check(!forkedScript.includes("crash"), "the fork's script stops before the crash");

  // Drop one message in flight: it is lost.
  await page.evaluate(() => window.cairnPlay.exec("put k v"));
  const id = await page.evaluate(() => {
    const r = window.cairnReplay;
    r.seek(r.endTime);
    return window.cairnPlay.run(1000) &&
      (r.messages.filter(m => m.fate === "in flight" && m.id !== undefined).pop() || {}).id;
  });
  check(id !== undefined, "a message is in flight");
  await page.evaluate(id => window.cairnPlay.exec("drop message " + id), id);
  await page.click("#p-run1");
  const fate = await page.evaluate(id => window.cairnReplay.messages.find(m => m.id === id).fate, id);
  check(fate === "lost (dropped)", `the dropped message is lost (${fate})`);

  // A new cluster with other settings.
  await page.selectOption("#p-members", "3");
  await page.uncheck("#p-prevote");
  await page.fill("#p-seed", "9");
  await page.click("#p-new");
  const n = await page.evaluate(() => window.cairnReplay.members.length);
  check(n === 3, "a new 3-member cluster");
  const s3 = await page.evaluate(() => window.cairnPlay.script());
  check(s3.includes("pre-vote off") && s3.includes("seed 9"), "with pre-vote off and seed 9");
  // Continuous running advances time.
  const t0 = await page.evaluate(() => window.cairnReplay.endTime);
  await page.click("#p-run");
  await page.waitForTimeout(800);
  await page.click("#p-run");
  const t1 = await page.evaluate(() => window.cairnReplay.endTime);
  check(t1 > t0, `running advances the cluster (${t0} -> ${t1} us)`);
  // A bad statement shows its parse error and changes nothing.
  await page.fill("#p-line", "crsh n1");
  await page.click("#p-exec");
  const err = await page.textContent("#play-status");
  check(err.includes('unknown statement "crsh"'), "a parse error is shown");
  await page.screenshot({ path: join(out, "play-3-members.png") });
  check(errors.length === 0, "no script errors: " + errors.join("; "));
} finally {
  await browser.close();
}
if (failures > 0) { console.error(failures + " check(s) failed"); process.exit(1); }
console.log("all checks passed");
