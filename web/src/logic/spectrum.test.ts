import { describe, expect, it } from "vitest";
import { decodeSpectrum, decodeSpectrumBase64, frequencies, nearestLine } from "./spectrum";

// The example of docs/formats/sparkplug.md ("Evidence spectrum"): an envelope spectrum, 0.5 Hz bins from
// 0 Hz, scale 1, bins 32767 and 65535 g², BPFO 1× at 107.5 Hz detected, amplitude 1 g², SNR 6 dB.
const DOC_HEX =
  "56 53 50 43 01 02 02 00 00 00 00 3f 00 00 00 00 00 00 80 3f 08 07 06 05 04 03 02 01 01 00 00 00 " +
  "ff 7f ff ff 02 01 01 00 00 00 d7 42 00 00 80 3f 00 00 c0 40";
const docBytes = () => Uint8Array.from(DOC_HEX.split(" ").map((h) => parseInt(h, 16)));
const toBase64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

describe("decodeSpectrum", () => {
  it("reads the documented example", () => {
    const d = decodeSpectrumBase64(toBase64(docBytes()));
    if (!d.ok) throw new Error(d.error);
    const s = d.spectrum;
    expect(s.kind).toBe("envelope_g2");
    expect(s.bin_hz).toBe(0.5);
    expect(s.first_bin_hz).toBe(0);
    expect(Array.from(s.amplitude)).toEqual([32767, 65535]);
    expect(Array.from(frequencies(s))).toEqual([0, 0.5]);
    expect(s.window_end_ms).toBe(Number(0x0102030405060708n));
    expect(s.lines).toEqual([
      { kind: "BPFO", harmonic: 1, detected: true, frequency_hz: 107.5, amplitude: 1, snr_db: 6 },
    ]);
  });

  it("applies the scale and the first bin", () => {
    const b = docBytes();
    b[5] = 1; // velocity
    new DataView(b.buffer).setFloat32(12, 10, true); // first bin 10 Hz
    new DataView(b.buffer).setFloat32(16, 0.25, true); // scale
    const d = decodeSpectrum(b);
    if (!d.ok) throw new Error(d.error);
    expect(d.spectrum.kind).toBe("velocity_mm_s");
    expect(Array.from(d.spectrum.amplitude)).toEqual([32767 * 0.25, 65535 * 0.25]);
    expect(Array.from(frequencies(d.spectrum))).toEqual([10, 10.5]);
  });

  const broken: [string, (b: Uint8Array) => Uint8Array, string][] = [
    ["short header", (b) => b.slice(0, 31), "31 bytes, shorter than its 32-byte header"],
    ["magic", (b) => ((b[0] = 0x58), b), "magic is not VSPC"],
    ["version", (b) => ((b[4] = 2), b), "version 2 is not 1"],
    ["kind", (b) => ((b[5] = 3), b), "kind 3 is not 1 or 2"],
    ["zero bins", (b) => ((b[6] = 0), b), "bins 0 is outside 1..8192"],
    ["too many bins", (b) => (new DataView(b.buffer).setUint16(6, 8193, true), b), "bins 8193"],
    ["zero spacing", (b) => (new DataView(b.buffer).setFloat32(8, 0, true), b), "bin spacing 0 Hz"],
    ["NaN spacing", (b) => (new DataView(b.buffer).setFloat32(8, NaN, true), b), "bin spacing NaN Hz"],
    ["negative first bin", (b) => (new DataView(b.buffer).setFloat32(12, -1, true), b), "first bin -1 Hz"],
    ["zero scale", (b) => (new DataView(b.buffer).setFloat32(16, 0, true), b), "scale 0 is not > 0"],
    ["too many lines", (b) => (new DataView(b.buffer).setUint16(28, 65, true), b), "lines 65 is outside 0..64"],
    ["truncated", (b) => b.slice(0, b.length - 1), "51 bytes, not the 52 its header says"],
    ["trailing byte", (b) => Uint8Array.from([...b, 0]), "53 bytes, not the 52 its header says"],
    ["line kind", (b) => ((b[36] = 9), b), "line 0: kind 9 is not 1..5"],
    ["harmonic 0", (b) => ((b[37] = 0), b), "line 0: harmonic 0 is not >= 1"],
  ];
  for (const [name, mutate, message] of broken) {
    it(`refuses ${name}`, () => {
      const d = decodeSpectrum(mutate(docBytes()));
      expect(d.ok).toBe(false);
      if (!d.ok) expect(d.error).toContain(message);
    });
  }

  it("refuses text that is not base64", () => {
    expect(decodeSpectrumBase64("not base64!")).toEqual({ ok: false, error: "spectrum: not base64" });
  });

  it("finds the marker nearest to the cursor within the tolerance", () => {
    const lines = [
      { kind: "BPFO" as const, harmonic: 1, detected: true, frequency_hz: 107.5, amplitude: 1, snr_db: 6 },
      { kind: "BPFO" as const, harmonic: 2, detected: false, frequency_hz: 215, amplitude: 1, snr_db: 2 },
    ];
    expect(nearestLine(lines, 110, 5)?.harmonic).toBe(1);
    expect(nearestLine(lines, 212, 5)?.harmonic).toBe(2);
    expect(nearestLine(lines, 160, 5)).toBeNull();
  });
});
