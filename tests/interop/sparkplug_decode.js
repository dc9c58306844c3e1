// Decodes a Sparkplug B payload file with Eclipse Tahu's codec (npm sparkplug-payload) and prints JSON:
//   node sparkplug_decode.js PAYLOAD_FILE
// {"payload": <decodePayload(), what a Tahu application sees>, "raw": <the protobuf fields as decoded by
// Tahu's generated protobuf module>}. 64-bit integers are printed as decimal strings, bytes as
// {"hex": "..."}.
'use strict';
const fs = require('fs');
const Long = require('long');
const sparkplug = require('sparkplug-payload').get('spBv1.0');
const proto = require('sparkplug-payload/lib/sparkplugPayloadProto');

function replacer(key, value) {
  const original = this[key];
  if (Long.isLong(original)) return original.toString();
  if (original instanceof Uint8Array) return { hex: Buffer.from(original).toString('hex') };
  return value;
}

const bytes = fs.readFileSync(process.argv[2]);
const raw = proto.org.eclipse.tahu.protobuf.Payload.decode(bytes);
const out = {
  payload: sparkplug.decodePayload(bytes),
  raw: proto.org.eclipse.tahu.protobuf.Payload.toObject(raw, { longs: String, bytes: Uint8Array, oneofs: true }),
};
process.stdout.write(JSON.stringify(out, replacer) + '\n');
