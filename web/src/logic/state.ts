// Merging live metric values into an asset's state, and reading the edge's Evidence/Lines text.
import type { AssetState, MetricValue } from "../api";

// Newer values replace older ones of the same metric; numbers and texts by the value's type.
export function mergeMetrics(state: AssetState, values: MetricValue[]): AssetState {
  const numbers = new Map(state.numbers.map((v) => [v.metric, v]));
  const texts = new Map(state.texts.map((v) => [v.metric, v]));
  for (const v of values) {
    if (typeof v?.metric !== "string" || typeof v.ts_ms !== "number") continue;
    const into = typeof v.value === "string" ? texts : numbers;
    const old = into.get(v.metric);
    if (!old || old.ts_ms <= v.ts_ms) into.set(v.metric, v as never);
  }
  return { asset_id: state.asset_id, numbers: [...numbers.values()], texts: [...texts.values()] };
}

export interface DefectScore {
  defect: string;
  score: number;
  expected_hz: number | null;
  harmonics_found: number | null;
}

// Evidence/Lines (docs/formats/uplink-records.md): per defect its expected_hz, harmonics_found and score,
// either as an object keyed by defect or as a list of objects naming it. Anything else gives [].
export function defectScores(text: string | null | undefined): DefectScore[] {
  if (!text) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  const entries: [string, Record<string, unknown>][] = Array.isArray(parsed)
    ? parsed
        .filter((x): x is Record<string, unknown> => !!x && typeof x === "object")
        .map((x) => [String(x.defect ?? x.kind ?? x.name ?? "?"), x])
    : parsed && typeof parsed === "object"
      ? Object.entries(parsed as Record<string, unknown>).filter(
          (e): e is [string, Record<string, unknown>] => !!e[1] && typeof e[1] === "object",
        )
      : [];
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return entries
    .filter(([, v]) => n(v.score) !== null)
    .map(([defect, v]) => ({ defect, score: n(v.score)!, expected_hz: n(v.expected_hz), harmonics_found: n(v.harmonics_found) }))
    .sort((a, b) => b.score - a.score);
}
