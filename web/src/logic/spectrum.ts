// Decodes the evidence spectra the edge publishes (docs/formats/sparkplug.md, "Evidence spectrum"): bytes
// from the hub's evidence route arrive base64 in JSON. Outside bytes: every field is checked and an error
// names the field.

export type LineKind = "shaft" | "BPFO" | "BPFI" | "BSF" | "FTF";
export const LINE_KINDS: Record<number, LineKind> = { 1: "shaft", 2: "BPFO", 3: "BPFI", 4: "BSF", 5: "FTF" };

export interface DefectLine {
  kind: LineKind;
  harmonic: number;
  detected: boolean;
  frequency_hz: number;
  amplitude: number;
  snr_db: number;
}

export interface Spectrum {
  kind: "velocity_mm_s" | "envelope_g2";
  bin_hz: number;
  first_bin_hz: number;
  window_end_ms: number;
  amplitude: Float64Array;
  lines: DefectLine[];
}

export type Decoded = { ok: true; spectrum: Spectrum } | { ok: false; error: string };

const HEADER_BYTES = 32;
const LINE_BYTES = 16;
const MAX_BINS = 8192;
const MAX_LINES = 64;

export function base64ToBytes(text: string): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function decodeSpectrum(bytes: Uint8Array): Decoded {
  const fail = (error: string): Decoded => ({ ok: false, error: `spectrum: ${error}` });
  if (bytes.length < HEADER_BYTES) return fail(`${bytes.length} bytes, shorter than its 32-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[0] !== 0x56 || bytes[1] !== 0x53 || bytes[2] !== 0x50 || bytes[3] !== 0x43)
    return fail("magic is not VSPC");
  if (bytes[4] !== 1) return fail(`version ${bytes[4]} is not 1`);
  const kindCode = bytes[5];
  if (kindCode !== 1 && kindCode !== 2) return fail(`kind ${kindCode} is not 1 or 2`);
  const n = v.getUint16(6, true);
  if (n < 1 || n > MAX_BINS) return fail(`bins ${n} is outside 1..${MAX_BINS}`);
  const binHz = v.getFloat32(8, true);
  if (!(binHz > 0) || !Number.isFinite(binHz)) return fail(`bin spacing ${binHz} Hz is not > 0`);
  const firstHz = v.getFloat32(12, true);
  if (!(firstHz >= 0) || !Number.isFinite(firstHz)) return fail(`first bin ${firstHz} Hz is not >= 0`);
  const scale = v.getFloat32(16, true);
  if (!(scale > 0) || !Number.isFinite(scale)) return fail(`scale ${scale} is not > 0`);
  const windowEnd = Number(v.getBigUint64(20, true));
  const m = v.getUint16(28, true);
  if (m > MAX_LINES) return fail(`lines ${m} is outside 0..${MAX_LINES}`);
  const size = HEADER_BYTES + 2 * n + LINE_BYTES * m;
  if (bytes.length !== size) return fail(`${bytes.length} bytes, not the ${size} its header says`);

  const amplitude = new Float64Array(n);
  for (let k = 0; k < n; k++) amplitude[k] = v.getUint16(HEADER_BYTES + 2 * k, true) * scale;
  const lines: DefectLine[] = [];
  for (let i = 0; i < m; i++) {
    const at = HEADER_BYTES + 2 * n + LINE_BYTES * i;
    const kind = LINE_KINDS[bytes[at]];
    if (!kind) return fail(`line ${i}: kind ${bytes[at]} is not 1..5`);
    const harmonic = bytes[at + 1];
    if (harmonic < 1) return fail(`line ${i}: harmonic 0 is not >= 1`);
    const frequency = v.getFloat32(at + 4, true);
    if (!Number.isFinite(frequency) || frequency < 0) return fail(`line ${i}: frequency ${frequency} Hz`);
    lines.push({
      kind,
      harmonic,
      detected: (bytes[at + 2] & 1) === 1,
      frequency_hz: frequency,
      amplitude: v.getFloat32(at + 8, true),
      snr_db: v.getFloat32(at + 12, true),
    });
  }
  return {
    ok: true,
    spectrum: {
      kind: kindCode === 1 ? "velocity_mm_s" : "envelope_g2",
      bin_hz: binHz,
      first_bin_hz: firstHz,
      window_end_ms: windowEnd,
      amplitude,
      lines,
    },
  };
}

export function decodeSpectrumBase64(text: string): Decoded {
  const bytes = base64ToBytes(text);
  if (!bytes) return { ok: false, error: "spectrum: not base64" };
  return decodeSpectrum(bytes);
}

export function frequencies(s: Spectrum): Float64Array {
  const f = new Float64Array(s.amplitude.length);
  for (let k = 0; k < f.length; k++) f[k] = s.first_bin_hz + k * s.bin_hz;
  return f;
}

export function lineLabel(l: DefectLine): string {
  return `${l.kind} ${l.harmonic}×`;
}

// The marker nearest to `hz` within `toleranceHz`, for the hover text.
export function nearestLine(lines: DefectLine[], hz: number, toleranceHz: number): DefectLine | null {
  let best: DefectLine | null = null;
  for (const l of lines) {
    const d = Math.abs(l.frequency_hz - hz);
    if (d <= toleranceHz && (!best || d < Math.abs(best.frequency_hz - hz))) best = l;
  }
  return best;
}
