// A small real plant on 127.0.0.1 for the browser tests (built from scripts/demo/plant.mjs): a test PKI,
// Mosquitto with mutual TLS and the plant's ACL (deploy/mosquitto/vigil.acl), vigil-hub serving the API and
// web/dist, and one vigil-edge whose simulated 6205-2RS bearing develops an outer-race fault in accelerated
// time. Ports are chosen at run time; stop() ends every process it started, and so does any exit of the Node
// process (exit, uncaught error, SIGINT, SIGTERM, even SIGKILL).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { edgeToml, exitOnSignals, makePki, Proc, startBroker, startHub, stopAll } from "../../scripts/demo/plant.mjs";

exitOnSignals();

// The simulated asset: what the edge is told (and what a test computes its expectations from).
export const ASSET = { device: "pump-line3", node: "line3", group: "plant1", bearing: "6205-2RS", speed_rpm: 1797 };

// Starts the plant; `bin` = {hub, edge}, `webDir` = the built dashboard. Resolves once the hub is connected
// to the broker and its API listens; `startEdge()` then starts the edge, healthy until `onsetH` hours of
// its accelerated time (`timeScale` × real time), failed at `lifeH`.
export async function startPlant({ bin, webDir, sourceDir, timeScale = 20, onsetH = 0.03, lifeH = 0.1 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vigil-e2e-"));
  const pki = makePki(path.join(dir, "pki"), ["hub", ASSET.node], { caName: "Vigil e2e ca", days: 1 });
  const plant = { dir, stop: () => stopAll() };
  try {
    const broker = await startBroker({ dir, pki, acl: path.join(sourceDir, "deploy/mosquitto/vigil.acl") });
    const hub = await startHub({ bin: bin.hub, dir, pki, brokerPort: broker.port, webDir });
    plant.hub = hub.proc;
    plant.base = hub.base;
    plant.adminPassword = hub.adminPassword;
    fs.writeFileSync(path.join(dir, "edge.toml"), edgeToml({
      node: { group: ASSET.group, id: ASSET.node },
      assets: [{ id: ASSET.device, location: "pump on line 3, drive-end bearing", bearing: ASSET.bearing,
        speed_rpm: ASSET.speed_rpm, criticality: 4,
        channel: { source: "simulator", sample_rate_hz: 12800, window_s: 0.32, onset_h: onsetH, life_h: lifeH } }],
      brokerPort: broker.port, pki }));
    plant.startEdge = () => {
      plant.edge = new Proc("vigil-edge", [bin.edge, "--config", path.join(dir, "edge.toml"), "--time-scale", String(timeScale)], dir);
      return plant.edge;
    };
    return plant;
  } catch (e) {
    await plant.stop();
    throw e;
  }
}
