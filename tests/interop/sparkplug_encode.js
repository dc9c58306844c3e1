// Encodes a Sparkplug B payload with Eclipse Tahu's codec (npm sparkplug-payload):
//   node sparkplug_encode.js JSON_FILE PAYLOAD_FILE
// The JSON is encodePayload()'s object: {"timestamp", "seq", "metrics": [{"name", "alias", "type",
// "value", "timestamp", "isHistorical"}]}. Strings stand for 64-bit integers in timestamp, seq, alias and
// in Int64 / UInt64 / DateTime values; {"hex": "..."} for Bytes values; a null value is a null metric.
'use strict';
const fs = require('fs');
const Long = require('long');
const sparkplug = require('sparkplug-payload').get('spBv1.0');

const unsigned = (v) => (typeof v === 'string' ? Long.fromString(v, true) : v);
const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const payload = { timestamp: unsigned(input.timestamp), seq: unsigned(input.seq), metrics: [] };
for (const m of input.metrics || []) {
  const metric = Object.assign({}, m, { timestamp: unsigned(m.timestamp), alias: unsigned(m.alias) });
  if (m.value !== null && typeof m.value === 'object' && 'hex' in m.value) {
    metric.value = Buffer.from(m.value.hex, 'hex');
  } else if (typeof m.value === 'string' && ['Int64', 'UInt64', 'DateTime'].includes(m.type)) {
    metric.value = Long.fromString(m.value, m.type !== 'Int64');
  }
  payload.metrics.push(metric);
}
fs.writeFileSync(process.argv[3], sparkplug.encodePayload(payload));
