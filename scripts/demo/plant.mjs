// The pieces of a real Vigil plant on 127.0.0.1, shared by `make demo` (scripts/demo/demo.mjs) and the
// browser tests (tests/e2e): processes that never outlive this one, a PKI made with openssl, Mosquitto with
// mutual TLS and the plant's ACL, vigil-hub, and the TOML an edge node reads.
//
// Every process started here runs in its own process group, under `setpriv --pdeathsig KILL`: it is killed by
// the kernel when this Node process dies, however it dies (SIGKILL included). `stopAll()` ends them politely
// (SIGTERM, then SIGKILL after a grace period), the clients of the hub and the broker first, all at once,
// then the hub, then the broker.
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const running = [];

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

// The last resort: whatever still runs when this process exits is killed (exit handlers must be synchronous).
process.on("exit", () => {
  for (const p of running) signalGroup(p.child, "SIGKILL");
});

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => fs.existsSync(p));

// A child process whose output (stdout and stderr) is kept in memory and appended to `<dir>/<name>.log`.
// `stage`: stopAll() stops the highest stages first (the broker is 0, the hub 1, everything else 2).
export class Proc {
  constructor(name, argv, dir, { stage = 2 } = {}) {
    this.name = name;
    this.stage = stage;
    this.output = "";
    this.log = path.join(dir, `${name}.log`);
    const command = SETPRIV ? [SETPRIV, "--pdeathsig", "KILL", "--", ...argv] : argv;
    this.child = spawn(command[0], command.slice(1), { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    running.push(this);
    this.exitStatus = null;
    this.exited = new Promise((resolve) => {
      const done = (status) => {
        const i = running.indexOf(this);
        if (i >= 0) running.splice(i, 1);
        this.exitStatus = status;
        resolve(status);
      };
      this.child.on("exit", (code, signal) => done({ code, signal }));
      this.child.on("error", (e) => {
        this.output += `spawn failed: ${e.message}\n`;
        done({ code: -1, signal: null });
      });
    });
    this.waiters = [];
    const take = (chunk) => {
      const text = chunk.toString();
      // Keep the tail only: a demo runs for hours.
      this.output = (this.output + text).slice(-200_000);
      fs.appendFileSync(this.log, text);
      this.waiters = this.waiters.filter((w) => !w(this.output));
    };
    this.child.stdout.on("data", take);
    this.child.stderr.on("data", take);
  }

  get alive() {
    return this.exitStatus === null;
  }

  // Resolves with the match of `re` in the output so far or to come; rejects after `ms` or when the process ends.
  waitFor(re, ms) {
    return new Promise((resolve, reject) => {
      const check = (out) => {
        const m = out.match(re);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
        return !!m;
      };
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${re} within ${ms} ms:\n${this.output.slice(-3000)}`)), ms);
      if (check(this.output)) return;
      this.waiters.push(check);
      this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${code ?? signal}) before ${re}:\n${this.output.slice(-3000)}\n(log: ${this.log})`));
      });
    });
  }

  async stop(graceMs = 10000) {
    if (!this.alive) return this.exited;
    signalGroup(this.child, "SIGTERM");
    const t = setTimeout(() => signalGroup(this.child, "SIGKILL"), graceMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

// Stops every process still running, a stage at a time (highest first), the processes of a stage together.
export async function stopAll(graceMs = 10000) {
  for (const stage of [...new Set(running.map((p) => p.stage))].sort((a, b) => b - a))
    await Promise.all(running.filter((p) => p.stage === stage).map((p) => p.stop(graceMs)));
}

// For a test: SIGINT, SIGTERM and SIGHUP end the run at once (the exit handler kills what runs).
export function exitOnSignals() {
  for (const [s, n] of [["SIGINT", 2], ["SIGTERM", 15], ["SIGHUP", 1]]) process.on(s, () => process.exit(128 + n));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// True when nothing listens on 127.0.0.1:port and it can be bound.
export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.on("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

function openssl(dir, args) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function leaf(dir, name, ext, days) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${ext}`);
  openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  openssl(dir, ["x509", "-req", "-days", String(days), "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", `${name}.crt`, "-extfile", `${name}.ext`]);
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(path.join(dir, `${name}.ext`));
}

// A CA, the broker's certificate for 127.0.0.1 (`server`) and one client certificate per name, whose common
// name is the name (the broker's ACL knows a client by it). Returns {dir, tls(name)}: tls(name) gives the
// three TOML keys a Vigil configuration names them with.
export function makePki(dir, clients, { caName = "Vigil plant CA", days = 30 } = {}) {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, ["req", "-x509", ...EC, "-days", String(days), "-keyout", "ca.key", "-out", "ca.crt", "-subj", `/CN=${caName}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  leaf(dir, "server", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n", days);
  for (const cn of clients) leaf(dir, cn, "extendedKeyUsage=clientAuth\n", days);
  for (const f of fs.readdirSync(dir)) if (f.endsWith(".key")) fs.chmodSync(path.join(dir, f), 0o600);
  return {
    dir,
    ca: path.join(dir, "ca.crt"),
    cert: (cn) => path.join(dir, `${cn}.crt`),
    key: (cn) => path.join(dir, `${cn}.key`),
    tls: (cn) => `ca_file = "${dir}/ca.crt"\ncert_file = "${dir}/${cn}.crt"\nkey_file = "${dir}/${cn}.key"`,
  };
}

// Mosquitto on 127.0.0.1 with mutual TLS (`pki`), the certificate's common name as the user name and the
// ACL file `acl`. Tries another port when the chosen one was taken meanwhile. Resolves {proc, port}.
export async function startBroker({ dir, pki, acl }) {
  const mosquitto = fs.existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = path.join(dir, "mosquitto.conf");
    fs.writeFileSync(conf, [
      `user ${os.userInfo().username}`, "persistence false", "allow_anonymous false", "log_dest stderr",
      "max_queued_messages 10000", `listener ${port} 127.0.0.1`, `cafile ${pki.ca}`, `certfile ${pki.cert("server")}`,
      `keyfile ${pki.key("server")}`, "require_certificate true", "use_identity_as_username true", `acl_file ${acl}`, ""].join("\n"));
    const proc = new Proc("mosquitto", [mosquitto, "-c", conf], dir, { stage: 0 });
    try {
      await proc.waitFor(/Opening ipv4 listen socket/, 10000);
      return { proc, port };
    } catch (e) {
      await proc.stop();
      if (attempt === 3 || !/Address already in use/.test(proc.output)) throw e;
    }
  }
}

// vigil-hub with its API (and the dashboard from `webDir`) on 127.0.0.1:`apiPort` (0: any free port), SQLite
// in `dir`. Resolves once it is connected to the broker: {proc, base (the API's URL), adminPassword}.
export async function startHub({ bin, dir, pki, brokerPort, webDir, apiPort = 0 }) {
  fs.writeFileSync(path.join(dir, "hub.toml"), `[host]
id = "hub"

[broker]
port = ${brokerPort}
${pki.tls("hub")}

[sparkplug]
reorder_timeout_s = 1

[store]
path = "hub.db"

[api]
enabled = true
address = "127.0.0.1"
port = ${apiPort}
web_dir = "${webDir}"
`);
  const proc = new Proc("vigil-hub", [bin, "--config", path.join(dir, "hub.toml")], dir, { stage: 1 });
  const [, adminPassword] = await proc.waitFor(/one-time password (\S+)/, 30000);
  const [, base] = await proc.waitFor(/event=api_listening detail=(http:\/\/\S+)/, 30000);
  await proc.waitFor(/event=connected/, 30000);
  return { proc, base, adminPassword };
}

function tomlString(s) {
  return JSON.stringify(String(s));
}

// The TOML of one edge node: `node` = {group, id}; `assets` = [{id, location, bearing, speed_rpm,
// criticality, machine_class?, baseline_h?, bundles?: {anomaly, classifier, rul}, channel: {...keys of a
// [[channel]] table}}]; the sensor broker and the uplink both on 127.0.0.1:`brokerPort` with the node's
// certificate.
export function edgeToml({ node, assets, brokerPort, pki, telemetryPeriodS = 1 }) {
  const lines = [`[node]`, `group = ${tomlString(node.group)}`, `id = ${tomlString(node.id)}`, `workers = 1`, ``];
  for (const a of assets) {
    lines.push(`[[asset]]`, `id = ${tomlString(a.id)}`, `location = ${tomlString(a.location)}`, `bearing = ${tomlString(a.bearing)}`,
      `speed_rpm = ${a.speed_rpm}`, `criticality = ${a.criticality}`);
    if (a.machine_class) lines.push(`machine_class = ${tomlString(a.machine_class)}`);
    if (a.baseline_h !== undefined) lines.push(`baseline_h = ${a.baseline_h}`);
    for (const [kind, file] of Object.entries(a.bundles ?? {})) if (file) lines.push(`${kind}_bundle = ${tomlString(file)}`);
    lines.push(``);
  }
  for (const a of assets) {
    lines.push(`[[channel]]`, `asset = ${tomlString(a.id)}`);
    for (const [k, v] of Object.entries(a.channel)) lines.push(`${k} = ${typeof v === "string" ? tomlString(v) : v}`);
    lines.push(``);
  }
  lines.push(`[sensors]`, `port = ${brokerPort}`, pki.tls(node.id), ``,
    `[uplink]`, `port = ${brokerPort}`, pki.tls(node.id), `primary_host = "hub"`, `telemetry_period_s = ${telemetryPeriodS}`, ``,
    `[storage]`, `dir = "state-${node.id}"`, ``, `[modbus]`, `enabled = false`, ``, `[metrics]`, `enabled = false`, ``);
  return lines.join("\n");
}

// A small client of the hub's API: api(method, path, body?, token?) → {status, json}.
export function apiClient(base) {
  return async (method, p, body, token) => {
    const r = await fetch(base + p, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = { text };
    }
    return { status: r.status, json };
  };
}
