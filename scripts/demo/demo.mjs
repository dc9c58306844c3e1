// `make demo`: a live plant on this machine. Two sites, three lines, twelve motors; one vigil-edge per line
// fed over MQTT by a sensor node per motor (`vigil sensor`); Mosquitto with mutual TLS and an ACL per node;
// vigil-hub with the dashboard. One bearing develops an outer-race defect in accelerated time; with
// ../shared/data beside the checkout, one motor replays a real recording of a damaged bearing (CWRU).
//
//   node scripts/demo/demo.mjs [--build build] [--data ../shared/data] [--port 8080] [--seconds N] [--dir DIR]
//                              [--screenshots DIR]
//
// Interactive (the default): prints the dashboard's address and a one-time admin password, then a live
// summary, until Ctrl-C stops every process it started. --seconds N (make demo DEMO_SECONDS=N): headless,
// prints a line of summary every 10 s and ends as soon as the story has been told end to end (exit 0), or
// after N seconds without it (exit 1, saying what did not happen). Logs and state stay in --dir (default
// <build>/demo), emptied at the start. --port 0: any free port for the dashboard (8080 when free otherwise).
// --screenshots DIR (headless only; make screenshots): once the story is told, Chromium takes the fleet and
// conv-202's asset page into DIR/fleet.png and DIR/asset.png, the README's pictures.
import fs from "node:fs";
import path from "node:path";
import { apiClient, edgeToml, makePki, portIsFree, Proc, startBroker, startHub, stopAll } from "./plant.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

function usage(problem) {
  if (problem) console.error(`demo: ${problem}`);
  console.error("usage: node scripts/demo/demo.mjs [--build DIR] [--data DIR] [--port N] [--seconds N] [--dir DIR] [--screenshots DIR]");
  process.exit(2);
}

function parseArgs() {
  const opt = {
    build: path.join(root, "build"),
    data: process.env.VIGIL_DATA_DIR || path.join(root, "../shared/data"),
    port: 8080,
    seconds: 0,
    dir: null,
    screenshots: null,
  };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const key = a[i].replace(/^--/, "");
    if (key === "help" || key === "h") usage();
    if (!(key in opt)) usage(`unknown option ${a[i]}`);
    const value = a[++i];
    if (value === undefined) usage(`${a[i - 1]} needs a value`);
    if (key === "port" || key === "seconds") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || (key === "port" && n > 65535)) usage(`--${key}: '${value}' is not a whole number in range`);
      opt[key] = n;
    } else {
      opt[key] = path.resolve(value);
    }
  }
  return opt;
}

const opt = parseArgs();
const headless = opt.seconds > 0;
if (opt.screenshots && !headless) usage("--screenshots needs --seconds (it is taken once the story is told)");
const bin = {
  vigil: path.join(opt.build, "bin/vigil"),
  edge: path.join(opt.build, "bin/vigil-edge"),
  hub: path.join(opt.build, "bin/vigil-hub"),
};
for (const [name, file] of Object.entries(bin)) if (!fs.existsSync(file)) usage(`no ${name} at ${file}: build first (make build)`);
const webDir = path.join(root, "web/dist");
if (!fs.existsSync(path.join(webDir, "index.html"))) usage(`no built dashboard at ${webDir}: run make web`);

// ---- the plant ------------------------------------------------------------------------------------------

// The degrading motor's sensor plays its signal TIME_SCALE x real time: its 2 h of life, healthy for the
// first 25 %, pass in 4 minutes. The other motors run in real time.
const TIME_SCALE = 30;
const LIFE_S = 7200;
const ONSET = 0.25;
const FS = 12800;
const realRecording = path.join(opt.data, "cwru/105.mat");
const haveRealData = fs.existsSync(realRecording);

// kind: "healthy" (simulated, no defect), "degrading" (simulated outer-race defect), "real" (CWRU 105.mat:
// an inner-race pit of 0.007 in at 1797 rpm, replayed in a loop; a healthy simulated motor without the data).
const SITES = [
  { name: "North works", group: "north", lines: [
    { name: "Line 1 cooling water", node: "line-1", motors: [
      { id: "pump-101", what: "cooling water pump 101, drive-end bearing", bearing: "6205-2RS", rpm: 1797, criticality: 4, kind: "real" },
      { id: "pump-102", what: "cooling water pump 102, drive-end bearing", bearing: "6205-2RS", rpm: 1480, criticality: 4, kind: "healthy" },
      { id: "pump-103", what: "cooling water pump 103, drive-end bearing", bearing: "6205-2RS", rpm: 1485, criticality: 3, kind: "healthy" },
      { id: "fan-104", what: "cooling tower fan 104, motor bearing", bearing: "6203-2RS", rpm: 990, criticality: 2, kind: "healthy" },
    ] },
    { name: "Line 2 conveyors", node: "line-2", motors: [
      { id: "conv-201", what: "conveyor 201 drive, motor drive-end bearing", bearing: "6205-2RS", rpm: 1460, criticality: 3, kind: "healthy" },
      { id: "conv-202", what: "conveyor 202 drive, motor drive-end bearing", bearing: "6205-2RS", rpm: 1790, criticality: 5, kind: "degrading" },
      { id: "conv-203", what: "conveyor 203 drive, motor drive-end bearing", bearing: "6203-2RS", rpm: 1470, criticality: 3, kind: "healthy" },
      { id: "mixer-204", what: "mixer 204, motor drive-end bearing", bearing: "6205-2RS", rpm: 2960, criticality: 2, kind: "healthy" },
    ] },
  ] },
  { name: "South works", group: "south", lines: [
    { name: "Line 3 compressors", node: "line-3", motors: [
      { id: "comp-301", what: "compressor 301, motor drive-end bearing", bearing: "6205-2RS", rpm: 2970, criticality: 5, kind: "healthy" },
      { id: "comp-302", what: "compressor 302, motor drive-end bearing", bearing: "6205-2RS", rpm: 2975, criticality: 5, kind: "healthy" },
      { id: "blower-303", what: "blower 303, motor bearing", bearing: "6203-2RS", rpm: 1490, criticality: 3, kind: "healthy" },
      { id: "pump-304", what: "lube oil pump 304, motor bearing", bearing: "6203-2RS", rpm: 1450, criticality: 4, kind: "healthy" },
    ] },
  ] },
];
const LINES = SITES.flatMap((site) => site.lines.map((line) => ({ ...line, site })));
const MOTORS = LINES.flatMap((line) => line.motors.map((m, i) => ({ ...m, line, sensor: `sensor-${m.id}`, seed: 11 + i })));
const DEGRADING = MOTORS.find((m) => m.kind === "degrading");
const REAL = MOTORS.find((m) => m.kind === "real");

const dir = opt.dir ?? path.join(opt.build, "demo");
const started = Date.now();
const elapsed = () => {
  const s = Math.floor((Date.now() - started) / 1000);
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
};
let stopping = false;
let summaryLines = 0;

async function shutdown(code, why) {
  if (stopping) return;
  stopping = true;
  if (why) console.log(why);
  console.log("demo: stopping every process it started ...");
  await stopAll(8000);
  console.log(`demo: stopped; logs and state in ${dir}`);
  process.exit(code);
}
for (const [s, n] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) process.on(s, () => shutdown(s === "SIGINT" ? 0 : 128 + n));

// The trained classifier (make models), when there, names the fault class beside the physics. Each motor
// learns its own anomaly model from its first minutes (the baseline). The RUL bundle is not given: it is
// fitted on PRONOSTIA's test rig, whose bearings run from new to failure in hours at 25.6 kS/s, and its
// remaining life would be a statement about that rig, not about these motors (docs/demo.md).
function bundles() {
  const found = {};
  for (const kind of ["classifier"]) {
    const file = path.join(opt.build, "models", `${kind}.vigil`);
    if (fs.existsSync(file)) found[kind] = file;
  }
  return found;
}

function sensorArgs(m, brokerPort, pki) {
  const common = ["sensor", "--node", m.sensor, "--channel", "DE", "--broker", `127.0.0.1:${brokerPort}`,
    "--cafile", pki.ca, "--cert", pki.cert(m.sensor), "--key", pki.key(m.sensor)];
  if (m.kind === "real" && haveRealData) return [...common, realRecording, "--fs", "12000", "--loop"];
  const simulated = [...common, "--fs", String(FS), "--rpm", String(m.rpm), "--bearing", m.bearing, "--seed", String(m.seed)];
  if (m.kind === "degrading")
    return [...simulated, "--fault", "outer_race", "--life", String(LIFE_S), "--onset", String(ONSET), "--speed", String(TIME_SCALE)];
  return [...simulated, "--fault", "none"];
}

// The broker's ACL: deploy/mosquitto/vigil.acl (Sparkplug: each node its own topics, the hub all), then
// per line the raw frames of its own motors' sensor nodes and nothing else.
function writeAcl() {
  const acl = path.join(dir, "vigil.acl");
  const lines = [fs.readFileSync(path.join(root, "deploy/mosquitto/vigil.acl"), "utf8"), "",
    "# This plant: each edge node reads the raw frames of its own line's sensor nodes."];
  for (const line of LINES) {
    lines.push(`user ${line.node}`);
    for (const m of line.motors) lines.push(`topic read vigil/raw/sensor-${m.id}/+`);
  }
  fs.writeFileSync(acl, lines.join("\n") + "\n");
  return acl;
}

// ---- the hub's view, for the summary and the story ------------------------------------------------------

async function hubView(api, token) {
  const assets = (await api("GET", "/api/v1/assets?limit=500", null, token)).json?.items ?? [];
  const alarms = (await api("GET", "/api/v1/alarms", null, token)).json?.items ?? [];
  const nodes = (await api("GET", "/api/v1/edge-nodes", null, token)).json?.items ?? [];
  const states = new Map();
  await Promise.all(assets.map(async (a) => {
    const s = (await api("GET", `/api/v1/assets/${a.id}/state`, null, token)).json;
    const values = {};
    for (const v of [...(s?.numbers ?? []), ...(s?.texts ?? [])]) values[v.metric] = v.value;
    states.set(a.device_id, values);
  }));
  return { assets, alarms, nodes, states };
}

async function messagesReceived(base, token) {
  const r = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } }).catch(() => null);
  if (!r?.ok) return null;
  const m = (await r.text()).match(/^vigil_hub_messages_received_total\s+(\d+)/m);
  return m ? Number(m[1]) : null;
}

// What the story needs, each as [what, done?, detail].
async function storyChecks(api, token, view) {
  const byDevice = new Map(view.assets.map((a) => [a.device_id, a]));
  const checks = [];
  const placed = MOTORS.filter((m) => byDevice.get(m.id)?.line_id);
  checks.push([`all ${MOTORS.length} motors registered and placed in the plant tree`, placed.length === MOTORS.length,
    `${placed.length} placed`]);
  const online = view.nodes.filter((n) => n.online).length;
  checks.push([`all ${LINES.length} edge nodes online`, online === LINES.length, `${online} online`]);
  const asset = byDevice.get(DEGRADING.id);
  const state = view.states.get(DEGRADING.id) ?? {};
  const alarm = asset && view.alarms.find((a) => a.point.asset_id === asset.id && /^bearing_/.test(a.point.definition) && a.condition);
  checks.push([`${DEGRADING.id}: a bearing alarm is active`, !!alarm, alarm ? `${alarm.point.definition} (${alarm.priority})` : "none yet"]);
  const reason = String(state["Decision/Reason"] ?? "");
  checks.push([`${DEGRADING.id}: the edge names the outer race, with an "inspect within N h"`,
    /outer-race/.test(reason) && /inspect within \d+ h/.test(reason), reason || "no decision yet"]);
  let evidence = false;
  if (asset) {
    const e = await api("GET", `/api/v1/assets/${asset.id}/evidence/${encodeURIComponent("Evidence/Envelope spectrum")}?limit=1`, null, token);
    evidence = (e.json?.items ?? []).length > 0;
  }
  checks.push([`${DEGRADING.id}: its envelope spectrum is on the hub as evidence`, evidence, evidence ? "stored" : "none yet"]);
  const work = (await api("GET", "/api/v1/work-list", null, token)).json?.items ?? [];
  const item = work.find((w) => w.device_id === DEGRADING.id);
  checks.push([`${DEGRADING.id}: on the planner's work list with a latest safe date`, !!item?.latest_safe_date,
    item ? `rank ${item.rank}: ${item.action}` : "not listed"]);
  const falseAlarms = MOTORS.filter((m) => m.kind === "healthy").filter((m) => {
    const a = byDevice.get(m.id);
    return a && view.alarms.some((x) => x.point.asset_id === a.id && /^bearing_/.test(x.point.definition));
  });
  checks.push(["no bearing alarm on a healthy simulated motor", falseAlarms.length === 0,
    falseAlarms.length ? falseAlarms.map((m) => m.id).join(", ") : "none"]);
  return checks;
}

function summary(view, rate, base, password) {
  const counts = {};
  let baselining = 0;
  let progress = 0;
  for (const m of MOTORS) {
    const s = view.states.get(m.id);
    const a = view.assets.find((x) => x.device_id === m.id);
    const ne107 = !a ? "not yet seen" : !a.online ? "offline" : (s?.["Health/NE107"] ?? "starting");
    counts[ne107] = (counts[ne107] ?? 0) + 1;
    const p = s?.["Baseline/Progress"];
    if (typeof p === "number" && p < 1) {
      baselining += 1;
      progress += p;
    }
  }
  const open = view.alarms.filter((a) => a.state !== "normal");
  const unack = open.filter((a) => /unack/.test(a.state)).length;
  const watched = view.states.get(DEGRADING.id) ?? {};
  const degrading = watched["Decision/Reason"] ?? watched["Health/NE107"];
  const out = [
    `Vigil demo ${elapsed()}  dashboard ${base}/  (admin, one-time password ${password})`,
    `  fleet    ${MOTORS.length} motors: ${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(" · ")}`,
    `  baseline ${baselining ? `${baselining} motors learning their normal, ${Math.round((100 * progress) / baselining)} % done` : "every motor runs on its own anomaly model"}`,
    `  alarms   ${open.length} open (${unack} unacknowledged)${open.length ? ": " + open.slice(0, 3).map((a) => `${view.assets.find((x) => x.id === a.point.asset_id)?.device_id ?? a.point.asset_id} ${a.point.definition}`).join(", ") : ""}`,
    `  hub      ${rate === null ? "-" : Math.round(rate)} messages/s in from ${view.nodes.filter((n) => n.online).length} of ${LINES.length} edge nodes`,
    `  watch    ${DEGRADING.id}: ${degrading ?? "not yet seen"}`,
  ];
  return out;
}

function show(lines) {
  if (headless) {
    console.log(lines.slice(1).map((l) => l.trim()).join(" | ").replace(/^/, `[${elapsed()}] `));
    return;
  }
  const cols = process.stdout.columns || 120;
  let text = summaryLines ? `\x1b[${summaryLines}A` : "";
  for (const l of lines) text += `\x1b[2K${l.length > cols ? l.slice(0, cols - 1) : l}\n`;
  process.stdout.write(text);
  summaryLines = lines.length;
}

// The fleet and the degrading motor's page as a newcomer sees them, at 1366 x 768, with Debian's Chromium
// driven by playwright-core from web/node_modules.
async function takeScreenshots(base, password, assetId) {
  const { createRequire } = await import("node:module");
  const { chromium } = createRequire(path.join(root, "web/package.json"))("playwright-core");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 } })).newPage();
    await page.goto(base + "/");
    const form = page.getByTestId("login-form");
    await form.locator("input").nth(0).fill("admin");
    await form.locator('input[type="password"]').fill(password);
    await form.locator('button[type="submit"]').click();
    await page.waitForFunction(() => window.__vigil?.loaded.fleet && window.__vigil.live.connected);
    await page.getByTestId(`fleet-asset-${assetId}`).waitFor();
    fs.mkdirSync(opt.screenshots, { recursive: true });
    await page.screenshot({ path: path.join(opt.screenshots, "fleet.png") });
    await page.goto(`${base}/#/asset/${assetId}`);
    const chart = page.getByTestId("envelope-chart");
    await chart.waitFor();
    await page.waitForTimeout(1000);  // the charts' data arrive after the frame
    const box = await chart.boundingBox();
    const height = Math.ceil(box.y + box.height - 40 + (await page.evaluate(() => window.scrollY)));
    await page.screenshot({ path: path.join(opt.screenshots, "asset.png"), fullPage: true, clip: { x: 0, y: 0, width: 1366, height } });
    console.log(`demo: screenshots of the fleet and ${DEGRADING.id} in ${opt.screenshots}`);
  } finally {
    await browser.close();
  }
}

// ---- main -----------------------------------------------------------------------------------------------

async function main() {
  // A fresh plant each run; only the edge nodes' FFT plans measured by the last run are kept (planning takes
  // the edge nodes several seconds at their first start).
  const wisdom = LINES.map((l) => path.join(dir, `state-${l.node}`, "fftw.wisdom")).filter((f) => fs.existsSync(f))
    .map((f) => [f, fs.readFileSync(f)]);
  // Only a folder this script made (its marker file, or its layout) or an empty one is emptied: never a
  // folder of the user's.
  const marker = path.join(dir, ".vigil-demo");
  const madeByDemo = fs.existsSync(marker) || ["vigil.acl", "hub.toml", "pki"].every((f) => fs.existsSync(path.join(dir, f)));
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0 && !madeByDemo)
    usage(`${dir} is not empty and was not made by the demo: give --dir an empty or new folder`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(marker, "made by scripts/demo/demo.mjs, emptied at its next start\n");
  for (const [f, bytes] of wisdom) {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, bytes);
  }
  console.log(`demo: a plant of ${SITES.length} sites, ${LINES.length} lines, ${MOTORS.length} motors in ${dir}`);
  const pki = makePki(path.join(dir, "pki"), ["hub", ...LINES.map((l) => l.node), ...MOTORS.map((m) => m.sensor)], { caName: "Vigil demo CA" });
  console.log(`demo: certificates for the broker, the hub, ${LINES.length} edge nodes and ${MOTORS.length} sensor nodes (${pki.dir})`);
  const broker = await startBroker({ dir, pki, acl: writeAcl() });
  console.log(`demo: Mosquitto on 127.0.0.1:${broker.port}, mutual TLS, one ACL entry per node`);
  const apiPort = opt.port && (await portIsFree(opt.port)) ? opt.port : 0;
  const hub = await startHub({ bin: bin.hub, dir, pki, brokerPort: broker.port, webDir, apiPort });
  const procs = [broker.proc, hub.proc];
  const api = apiClient(hub.base);
  const login = await api("POST", "/api/v1/login", { user: "admin", password: hub.adminPassword });
  if (login.status !== 200) throw new Error(`login to the hub failed: ${login.status} ${JSON.stringify(login.json)}`);
  const token = login.json.token;
  console.log(`demo: vigil-hub connected; the dashboard is at ${hub.base}/`);

  // The plant's tree: sites and lines (an engineer's edit on the hub; edges report assets, not places).
  const lineIds = new Map();
  for (const site of SITES) {
    const s = await api("POST", "/api/v1/sites", { name: site.name }, token);
    for (const line of site.lines) lineIds.set(line.node, (await api("POST", `/api/v1/sites/${s.json.id}/lines`, { name: line.name }, token)).json.id);
  }

  const models = bundles();
  console.log(`demo: models: ${Object.keys(models).length ? Object.entries(models).map(([k, f]) => `${k} ${path.relative(root, f)}`).join(", ") : "none trained (make models); physics and each motor's own baseline decide"}`);
  for (const line of LINES) {
    const assets = line.motors.map((m) => {
      const real = m.kind === "real" && haveRealData;
      return {
        id: m.id, location: real ? `${m.what} (replays CWRU 105.mat)` : m.what, bearing: m.bearing,
        speed_rpm: m.rpm, criticality: m.criticality, machine_class: "class_II",
        // A recording with a defect from its first second has no healthy running to learn from.
        baseline_h: real ? 0 : m.kind === "degrading" ? 0.1 : 0.05,
        bundles: models,
        channel: { sensor_node: `sensor-${m.id}`, channel: "DE", sample_rate_hz: real ? 12000 : FS, window_s: 1.0 },
      };
    });
    fs.writeFileSync(path.join(dir, `${line.node}.toml`), edgeToml({ node: { group: line.site.group, id: line.node }, assets, brokerPort: broker.port, pki, telemetryPeriodS: 5 }));
    procs.push(new Proc(`vigil-edge-${line.node}`, [bin.edge, "--config", path.join(dir, `${line.node}.toml`)], dir));
  }
  console.log(`demo: ${LINES.length} vigil-edge nodes started`);
  for (const m of MOTORS) procs.push(new Proc(m.sensor, [bin.vigil, ...sensorArgs(m, broker.port, pki)], dir));
  console.log(`demo: ${MOTORS.length} sensor nodes publishing raw frames` +
    (haveRealData ? `; ${REAL.id} replays ${path.relative(root, realRecording)} (real inner-race defect)` : `; no real data at ${opt.data}, ${REAL.id} is simulated`));
  console.log(`demo: ${DEGRADING.id}'s bearing will develop an outer-race defect about ${Math.round((ONSET * LIFE_S) / TIME_SCALE)} s from now (its signal runs ${TIME_SCALE}x real time)`);
  console.log("");
  console.log(`  Dashboard: ${hub.base}/    user admin, one-time password ${hub.adminPassword}`);
  console.log(headless ? `  Headless for at most ${opt.seconds} s.` : "  Ctrl-C stops the plant.");
  console.log("");

  let lastCount = null;
  let lastAt = Date.now();
  const placed = new Set();
  const deadline = headless ? started + opt.seconds * 1000 : Infinity;
  let lastShown = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    if (stopping) return;
    const dead = procs.find((p) => !p.alive);
    if (dead) return shutdown(1, `demo: ${dead.name} exited (${JSON.stringify(dead.exitStatus)}); its log: ${dead.log}`);
    const view = await hubView(api, token);
    for (const a of view.assets) {
      const motor = MOTORS.find((m) => m.id === a.device_id && m.line.site.group === a.group_id);
      if (motor && !placed.has(a.id) && !a.line_id) {
        const r = await api("PATCH", `/api/v1/assets/${a.id}`, { line_id: lineIds.get(motor.line.node) }, token);
        if (r.status === 200) placed.add(a.id);
      }
    }
    const count = await messagesReceived(hub.base, token);
    const now = Date.now();
    const rate = count !== null && lastCount !== null ? ((count - lastCount) * 1000) / (now - lastAt) : null;
    lastCount = count;
    lastAt = now;
    if (!headless || now - lastShown >= 10000) {
      show(summary(view, rate, hub.base, hub.adminPassword));
      lastShown = now;
    }
    if (!headless) continue;
    const checks = await storyChecks(api, token, view);
    const told = checks.every(([, ok]) => ok);
    if (told || now >= deadline) {
      console.log(told ? `demo: the story was told in ${elapsed()}:` : `demo: after ${opt.seconds} s the story is incomplete:`);
      for (const [what, ok, detail] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${what}: ${detail}`);
      if (told && opt.screenshots) {
        const asset = view.assets.find((a) => a.device_id === DEGRADING.id);
        try {
          await takeScreenshots(hub.base, hub.adminPassword, asset.id);
        } catch (e) {
          return shutdown(1, `demo: screenshots failed: ${e.stack ?? e}`);
        }
      }
      return shutdown(told ? 0 : 1);
    }
  }
}

main().catch((e) => shutdown(1, `demo: ${e.stack ?? e}`));
