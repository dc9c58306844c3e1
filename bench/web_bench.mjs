// The dashboard's targets, measured in Debian's Chromium (playwright-core) against a real plant on 127.0.0.1
// (scripts/demo/plant.mjs: Mosquitto with mutual TLS, vigil-hub serving web/dist, two vigil-edge nodes):
//
//   node bench/web_bench.mjs --build build --out build/bench/web.json
//
// - bundle_kb: what the first page load fetches (index.html and every asset it names), gzip -9, in KiB.
// - first_load_ms: a cold browser context (empty cache) with a session, from navigation to the fleet view
//   drawn with its data; the slowest of 5 (each load also listed).
// - edge_decision_to_screen_p99_ms: from an edge's decision on a window to the asset page showing it. The
//   edge simulates its sensor in real time (time scale 1) and sends a telemetry record every 0.25 s; its
//   simulated source delivers each 0.1 s block at the wall time of the block's first sample, so the window
//   ending at source time T is decided no earlier than T - 100 ms: latency = (frame painted after the page's
//   data-updated-ms became T) - (T - 100 ms), an upper bound of the true figure. Same clock on both sides
//   (one machine).
// - chart_10k_points_render_ms: a 10,000-point velocity series (stored by the hub from a second edge node
//   run at 400 x real time) drawn on the asset page: the chart's own render time (new data to the end of
//   its drawing, window.__vigil.charts), slowest of the first draw and 5 zooms/pans; the whole
//   click-to-drawn time of each zoom and pan (server-side min/max downsampling included) beside it.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import zlib from "node:zlib";
import os from "node:os";
import { apiClient, edgeToml, makePki, Proc, startBroker, startHub, stopAll } from "../scripts/demo/plant.mjs";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const opt = { build: path.join(root, "build"), out: null };
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, "")] = path.resolve(process.argv[i + 1]);
opt.out ??= path.join(opt.build, "bench/web.json");
const webDir = path.join(root, "web/dist");
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
for (const f of [path.join(webDir, "index.html"), chromiumPath, path.join(opt.build, "bin/vigil-hub")])
  if (!fs.existsSync(f)) {
    console.error(`web_bench: ${f} is missing (make web, make build, make deps)`);
    process.exit(1);
  }
const { chromium } = createRequire(path.join(root, "web/package.json"))("playwright-core");
for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => process.exit(1));
setTimeout(() => {
  console.error("web_bench: over 300 s, stopped");
  process.exit(1);
}, 300_000).unref();

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
const round = (x) => Math.round(x * 10) / 10;

// What the first load fetches: index.html and the scripts, styles and module preloads it names.
function bundleKb() {
  const html = fs.readFileSync(path.join(webDir, "index.html"), "utf8");
  const files = ["index.html", ...[...html.matchAll(/(?:src|href)="\.?\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1])];
  let gz = 0;
  let raw = 0;
  for (const f of files) {
    const bytes = fs.readFileSync(path.join(webDir, f));
    raw += bytes.length;
    gz += zlib.gzipSync(bytes, { level: 9 }).length;
  }
  return { files, bundle_kb: round(gz / 1024), raw_kb: round(raw / 1024) };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-web-bench-"));
const result = { machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}`, when: new Date().toISOString() };
let browser = null;
let code = 1;
try {
  Object.assign(result, bundleKb());
  console.log(`bundle: ${result.bundle_kb} KiB gzip (${result.raw_kb} KiB) in ${result.files.length} files`);

  const pki = makePki(path.join(dir, "pki"), ["hub", "live", "history"], { caName: "Vigil bench ca", days: 1 });
  const broker = await startBroker({ dir, pki, acl: path.join(root, "deploy/mosquitto/vigil.acl") });
  const hub = await startHub({ bin: path.join(opt.build, "bin/vigil-hub"), dir, pki, brokerPort: broker.port, webDir });
  const api = apiClient(hub.base);
  const token = (await api("POST", "/api/v1/login", { user: "admin", password: hub.adminPassword })).json.token;
  const me = (await api("GET", "/api/v1/me", null, token)).json;
  const edge = (node, device, timeScale, telemetryPeriodS) => {
    fs.writeFileSync(path.join(dir, `${node}.toml`), edgeToml({
      node: { group: "bench", id: node },
      assets: [{ id: device, location: `${device} drive-end bearing`, bearing: "6205-2RS", speed_rpm: 1797, criticality: 3,
        baseline_h: 0, channel: { source: "simulator", sample_rate_hz: 12800, window_s: 1.0, onset_h: 1000, life_h: 2000 } }],
      brokerPort: broker.port, pki, telemetryPeriodS }));
    return new Proc(`vigil-edge-${node}`, [path.join(opt.build, "bin/vigil-edge"), "--config", path.join(dir, `${node}.toml`),
      "--time-scale", String(timeScale)], dir);
  };
  edge("history", "fan-history", 400, 1);
  edge("live", "pump-live", 1, 0.25);
  const assetId = async (device) => {
    for (let i = 0; i < 200; i++) {
      const a = ((await api("GET", "/api/v1/assets", null, token)).json?.items ?? []).find((x) => x.device_id === device);
      if (a) return a.id;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${device} never reached the hub`);
  };
  const liveId = await assetId("pump-live");
  const historyId = await assetId("fan-history");

  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const newPage = async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.addInitScript(([t, user]) => {
      sessionStorage.setItem("vigil.token", t);
      sessionStorage.setItem("vigil.user", JSON.stringify(user));
    }, [token, me]);
    return context.newPage();
  };

  // first_load_ms
  const loads = [];
  for (let i = 0; i < 5; i++) {
    const page = await newPage();
    const t0 = Date.now();
    await page.goto(hub.base + "/");
    await page.waitForFunction(() => window.__vigil?.loaded.fleet, null, { polling: "raf", timeout: 20000 });
    loads.push(Date.now() - t0);
    await page.context().close();
  }
  result.first_load_ms = Math.max(...loads);
  result.first_loads_ms = loads;
  console.log(`first load: ${loads.join(", ")} ms`);

  // edge_decision_to_screen_p99_ms
  const live = await newPage();
  await live.goto(`${hub.base}/#/asset/${liveId}`);
  await live.getByTestId("asset-header").waitFor();
  await live.evaluate(() => {
    window.__latency = [];
    const header = document.querySelector('[data-testid="asset-header"]');
    new MutationObserver(() => {
      const t = Number(header.getAttribute("data-updated-ms"));
      requestAnimationFrame(() => window.__latency.push({ t, painted: Date.now() }));
    }).observe(header, { attributes: true, attributeFilter: ["data-updated-ms"] });
  });
  await live.waitForTimeout(40_000);
  const samples = (await live.evaluate(() => window.__latency)).map((s) => s.painted - (s.t - 100));
  if (samples.length < 100) throw new Error(`only ${samples.length} live updates reached the page in 40 s`);
  result.edge_decision_to_screen_p99_ms = quantile(samples, 0.99);
  result.edge_decision_to_screen_p50_ms = quantile(samples, 0.5);
  result.edge_decision_to_screen_samples = samples.length;
  console.log(`edge decision to screen: p50 ${result.edge_decision_to_screen_p50_ms} ms, p99 ${result.edge_decision_to_screen_p99_ms} ms over ${samples.length}`);
  await live.context().close();

  // chart_10k_points_render_ms: wait for 10,000 stored velocity values of the history asset.
  const velocity = encodeURIComponent("Vibration/Velocity RMS mm/s");
  let stored = 0;
  for (const until = Date.now() + 120_000; stored < 10_000 && Date.now() < until; await new Promise((r) => setTimeout(r, 1000))) {
    const s = (await api("GET", `/api/v1/assets/${historyId}/series/${velocity}?from=0&to=${Date.now() + 86_400_000 * 30}&points=1`, null, token)).json;
    stored = (s?.items ?? []).reduce((n, b) => n + b.count, 0);
  }
  if (stored < 10_000) throw new Error(`only ${stored} velocity values stored in 120 s`);
  result.chart_series_points = stored;
  const page = await newPage();
  await page.goto(`${hub.base}/#/asset/${historyId}`);
  await page.getByTestId("velocity-chart").waitFor();
  await page.getByRole("button", { name: "Since first seen" }).click();
  const drawn = async (previous) =>
    page.waitForFunction((prev) => {
      const c = window.__vigil.charts["velocity-chart"];
      return c && c.render_ms !== undefined && c.range && c.range !== prev ? { render_ms: c.render_ms, range: c.range } : null;
    }, previous, { polling: "raf", timeout: 20000 }).then((h) => h.jsonValue());
  await page.waitForTimeout(1500);
  const first = await page.evaluate(() => window.__vigil.charts["velocity-chart"]);
  const renders = [first.render_ms];
  const clicks = [];
  const chart = page.locator("section", { has: page.getByTestId("velocity-chart") });
  for (const name of ["Zoom in", "Pan back", "Zoom in", "Pan forward", "Zoom out"]) {
    const before = await page.evaluate(() => window.__vigil.charts["velocity-chart"].range);
    const t0 = Date.now();
    await chart.getByRole("button", { name }).click();
    const after = await drawn(before);
    clicks.push(Date.now() - t0);
    renders.push(after.render_ms);
  }
  result.chart_points_drawn = await page.evaluate(() => window.__vigil.charts["velocity-chart"].series.n);
  result.chart_10k_points_render_ms = round(Math.max(...renders));
  result.chart_renders_ms = renders.map(round);
  result.chart_click_to_drawn_ms = clicks;
  console.log(`10k-point chart (${result.chart_points_drawn} buckets drawn): render ${result.chart_renders_ms.join(", ")} ms; click to drawn ${clicks.join(", ")} ms`);
  result.targets = {
    first_load_ms: result.first_load_ms < 1000,
    bundle_kb: result.bundle_kb < 250,
    edge_decision_to_screen_p99_ms: result.edge_decision_to_screen_p99_ms < 250,
    chart_10k_points_render_ms: result.chart_10k_points_render_ms < 50,
  };
  fs.mkdirSync(path.dirname(opt.out), { recursive: true });
  fs.writeFileSync(opt.out, JSON.stringify(result, null, 2) + "\n");
  console.log(`web_bench: ${opt.out}`);
  code = 0;
} catch (e) {
  console.error(`web_bench: ${e.stack ?? e}\n(logs in ${dir})`);
} finally {
  if (browser) await browser.close().catch(() => {});
  await stopAll();
  if (code === 0) fs.rmSync(dir, { recursive: true, force: true });
}
process.exit(code);
