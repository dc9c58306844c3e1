import { describe, expect, it } from "vitest";
import { defectScores, mergeMetrics } from "./state";

describe("live values", () => {
  it("keeps the newest value of each metric", () => {
    const s = {
      asset_id: 1,
      numbers: [{ metric: "Health/Index", value: 0.9, ts_ms: 10 }],
      texts: [{ metric: "Decision/Action", value: "none", ts_ms: 10 }],
    };
    const m = mergeMetrics(s, [
      { metric: "Health/Index", value: 0.5, ts_ms: 20 },
      { metric: "Decision/Action", value: "inspect", ts_ms: 5 }, // older: ignored
      { metric: "Decision/Reason", value: "outer race", ts_ms: 20 },
    ]);
    expect(m.numbers).toEqual([{ metric: "Health/Index", value: 0.5, ts_ms: 20 }]);
    expect(m.texts).toEqual([
      { metric: "Decision/Action", value: "none", ts_ms: 10 },
      { metric: "Decision/Reason", value: "outer race", ts_ms: 20 },
    ]);
  });
});

describe("Evidence/Lines", () => {
  it("reads scores keyed by defect, best first", () => {
    const text = JSON.stringify({
      BPFO: { expected_hz: 107.4, harmonics_found: 3, score: 0.92, harmonics: [] },
      BPFI: { expected_hz: 162.2, harmonics_found: 0, score: 0.05 },
    });
    expect(defectScores(text)).toEqual([
      { defect: "BPFO", score: 0.92, expected_hz: 107.4, harmonics_found: 3 },
      { defect: "BPFI", score: 0.05, expected_hz: 162.2, harmonics_found: 0 },
    ]);
  });
  it("reads a list naming the defect", () => {
    expect(defectScores('[{"defect":"BSF","score":0.4}]')).toEqual([
      { defect: "BSF", score: 0.4, expected_hz: null, harmonics_found: null },
    ]);
  });
  it("gives nothing for text that is not such JSON", () => {
    expect(defectScores("{")).toEqual([]);
    expect(defectScores("42")).toEqual([]);
    expect(defectScores('{"BPFO":{"score":"high"}}')).toEqual([]);
    expect(defectScores(null)).toEqual([]);
  });
});
