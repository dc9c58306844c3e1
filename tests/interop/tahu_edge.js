// An edge node built on Eclipse Tahu's JavaScript client (npm sparkplug-client), for the hub's interop
// test: connects with mutual TLS, publishes NBIRTH, a DBIRTH for one device, then `count` DDATA with the
// values the test chose, and stops with an NDEATH.
//   node tahu_edge.js <port> <ca> <cert> <key> <group> <node> <device> <count>
// DDATA i (0-based) carries Health/Index = 1 - i/100, Vibration/Velocity RMS mm/s = 1 + i/10 and
// Alert/Level = "watch" from i = count/2 on (else "normal"), timestamped 1,000 ms apart from a fixed
// start, so the test knows every stored value.
'use strict';
const fs = require('fs');
const sparkplug = require('sparkplug-client');

const [port, ca, cert, key, group, node, device, countText] = process.argv.slice(2);
const count = Number(countText);
const start = 1_800_000_000_000;

const client = sparkplug.newClient({
  serverUrl: `mqtts://127.0.0.1:${port}`,
  username: '', password: '',
  groupId: group, edgeNode: node, clientId: `tahu-${node}`,
  version: 'spBv1.0', publishDeath: true,
  mqttOptions: {
    ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key),
    rejectUnauthorized: true,
  },
});

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

client.on('error', (e) => { console.error('error', e.message); process.exit(3); });
client.on('birth', async () => {
  client.publishNodeBirth({ timestamp: start, metrics: [
    { name: 'Properties/Software version', type: 'String', value: 'tahu sparkplug-client 3.2.4' },
  ] });
  client.publishDeviceBirth(device, { timestamp: start, metrics: [
    { name: 'Health/Index', type: 'Double', value: 1.0 },
    { name: 'Vibration/Velocity RMS mm/s', type: 'Double', value: 1.0 },
    { name: 'Alert/Level', type: 'String', value: 'normal' },
    { name: 'Properties/Bearing', type: 'String', value: '6309' },
  ] });
  for (let i = 0; i < count; ++i) {
    await sleep(20);
    client.publishDeviceData(device, { timestamp: start + 1000 * (i + 1), metrics: [
      { name: 'Health/Index', type: 'Double', value: 1 - i / 100 },
      { name: 'Vibration/Velocity RMS mm/s', type: 'Double', value: 1 + i / 10 },
      { name: 'Alert/Level', type: 'String', value: i >= count / 2 ? 'watch' : 'normal' },
    ] });
  }
  await sleep(500);
  console.log(`sent NBIRTH, DBIRTH and ${count} DDATA`);
  client.stop();
  await sleep(200);
  process.exit(0);
});
