// A small real plant on 127.0.0.1 for the browser tests: a test PKI (openssl), Mosquitto with mutual TLS and
// the plant's ACL (deploy/mosquitto/vigil.acl), vigil-hub serving the API and web/dist, and one vigil-edge
// whose simulated 6205-2RS bearing develops an outer-race fault in accelerated time. Ports are chosen at run
// time; stop() ends every process it started (each in its own process group), and so does any exit of the
// Node process (exit, uncaught error, SIGINT, SIGTERM).
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

// The simulated asset: what the edge is told (and what a test computes its expectations from).
export const ASSET = { device: "pump-line3", node: "line3", group: "plant1", bearing: "6205-2RS", speed_rpm: 1797 };

const children = new Set();

function killAll(signal = "SIGKILL") {
  for (const c of children) {
    try {
      process.kill(-c.pid, signal);
    } catch {
      /* already gone */
    }
  }
}
process.on("exit", () => killAll());
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"])
  process.on(s, () => {
    killAll();
    process.exit(128 + (s === "SIGINT" ? 2 : s === "SIGTERM" ? 15 : 1));
  });

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

function openssl(dir, args) {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function leaf(dir, name, cn, ext) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\n${ext}`);
  openssl(dir, ["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
  openssl(dir, ["x509", "-req", "-days", "1", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key",
    "-CAcreateserial", "-out", `${name}.crt`, "-extfile", `${name}.ext`]);
}

// A CA, the broker's certificate for 127.0.0.1 and one client certificate per name (the ACL's user is the
// certificate's common name).
function makePki(dir, clients) {
  fs.mkdirSync(dir, { recursive: true });
  openssl(dir, ["req", "-x509", ...EC, "-days", "1", "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Vigil e2e ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  leaf(dir, "server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  for (const cn of clients) leaf(dir, cn, cn, "extendedKeyUsage=clientAuth\n");
}

class Proc {
  constructor(name, argv, dir) {
    this.name = name;
    this.output = "";
    this.log = path.join(dir, `${name}.log`);
    this.child = spawn(argv[0], argv.slice(1), { cwd: dir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    children.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        children.delete(this.child);
        resolve({ code, signal });
      });
      this.child.on("error", (e) => {
        children.delete(this.child);
        this.output += `spawn failed: ${e.message}\n`;
        resolve({ code: -1, signal: null });
      });
    });
    this.waiters = [];
    const take = (chunk) => {
      const text = chunk.toString();
      this.output += text;
      fs.appendFileSync(this.log, text);
      this.waiters = this.waiters.filter((w) => !w(this.output));
    };
    this.child.stdout.on("data", take);
    this.child.stderr.on("data", take);
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
        reject(new Error(`${this.name} exited (${code ?? signal}) before ${re}:\n${this.output.slice(-3000)}`));
      });
    });
  }

  async stop(ms = 10000) {
    if (!children.has(this.child)) return this.exited;
    try {
      process.kill(-this.child.pid, "SIGTERM");
    } catch {
      /* gone */
    }
    const t = setTimeout(() => {
      try {
        process.kill(-this.child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }, ms);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

// Starts the plant; `bin` = {hub, edge}, `webDir` = the built dashboard. Resolves once the hub is connected
// to the broker and its API listens; `startEdge()` then starts the edge, healthy until `onsetH` hours of
// its accelerated time (`timeScale` × real time), failed at `lifeH`.
export async function startPlant({ bin, webDir, sourceDir, timeScale = 20, onsetH = 0.03, lifeH = 0.1 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-e2e-"));
  const pki = path.join(dir, "pki");
  makePki(pki, ["hub", ASSET.node]);
  const tls = (cn) => `ca_file = "${pki}/ca.crt"\ncert_file = "${pki}/${cn}.crt"\nkey_file = "${pki}/${cn}.key"`;
  const procs = [];
  const plant = { dir, procs, stop: async () => {
    for (const p of procs.slice().reverse()) await p.stop();
  } };
  try {
    // The port was free a moment ago; another process may take it first: then another try.
    let brokerPort;
    for (let attempt = 1; ; attempt++) {
      brokerPort = await freePort();
      fs.writeFileSync(path.join(dir, "mosquitto.conf"), [
        `user ${os.userInfo().username}`, "persistence false", "allow_anonymous false", "log_dest stderr",
        `listener ${brokerPort} 127.0.0.1`, `cafile ${pki}/ca.crt`, `certfile ${pki}/server.crt`,
        `keyfile ${pki}/server.key`, "require_certificate true", "use_identity_as_username true",
        `acl_file ${path.join(sourceDir, "deploy/mosquitto/vigil.acl")}`, ""].join("\n"));
      const mosquitto = fs.existsSync("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";
      const broker = new Proc("mosquitto", [mosquitto, "-c", path.join(dir, "mosquitto.conf")], dir);
      procs.push(broker);
      try {
        await broker.waitFor(/Opening ipv4 listen socket/, 10000);
        break;
      } catch (e) {
        procs.pop();
        await broker.stop();
        if (attempt === 3 || !/Address already in use/.test(broker.output)) throw e;
      }
    }

    fs.writeFileSync(path.join(dir, "hub.toml"), `[host]
id = "hub"

[broker]
port = ${brokerPort}
${tls("hub")}

[sparkplug]
reorder_timeout_s = 1

[store]
path = "hub.db"

[api]
enabled = true
address = "127.0.0.1"
port = 0
web_dir = "${webDir}"
`);
    const hub = new Proc("vigil-hub", [bin.hub, "--config", path.join(dir, "hub.toml")], dir);
    procs.push(hub);
    const [, password] = await hub.waitFor(/one-time password (\S+)/, 20000);
    const [, base] = await hub.waitFor(/event=api_listening detail=(http:\/\/\S+)/, 20000);
    await hub.waitFor(/event=connected/, 30000);
    plant.hub = hub;
    plant.base = base;
    plant.adminPassword = password;

    fs.writeFileSync(path.join(dir, "edge.toml"), `[node]
group = "${ASSET.group}"
id = "${ASSET.node}"

[[asset]]
id = "${ASSET.device}"
location = "pump on line 3, drive-end bearing"
bearing = "${ASSET.bearing}"
speed_rpm = ${ASSET.speed_rpm}
criticality = 4

[[channel]]
asset = "${ASSET.device}"
source = "simulator"
sample_rate_hz = 12800
window_s = 0.32
onset_h = ${onsetH}
life_h = ${lifeH}

[sensors]
port = ${brokerPort}
${tls(ASSET.node)}

[uplink]
port = ${brokerPort}
${tls(ASSET.node)}
primary_host = "hub"
telemetry_period_s = 1

[storage]
dir = "state-edge"

[modbus]
enabled = false

[metrics]
enabled = false
`);
    plant.startEdge = () => {
      plant.edge = new Proc("vigil-edge", [bin.edge, "--config", path.join(dir, "edge.toml"), "--time-scale", String(timeScale)], dir);
      procs.push(plant.edge);
      return plant.edge;
    };
    return plant;
  } catch (e) {
    await plant.stop();
    throw e;
  }
}
