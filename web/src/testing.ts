// What browser tests read instead of pixels: `window.__vigil` holds the live stream's state and, per chart
// (by its data-testid), the data it plots. Each chart element also carries the same as JSON in
// `data-series` and `data-markers`.
import type { LiveEvent } from "./live";

export interface ChartTruth {
  series?: unknown;
  markers?: unknown;
  range?: { from: number; to: number; points: number };
  render_ms?: number; // from new data to the end of its drawing
}

export const vigil = {
  live: { connected: false, events: 0, last: null as LiveEvent | null },
  charts: {} as Record<string, ChartTruth>,
  // Set by views when their data has loaded (e.g. "fleet", "asset:3").
  loaded: {} as Record<string, number>,
};

declare global {
  interface Window {
    __vigil: typeof vigil;
  }
}
if (typeof window !== "undefined") window.__vigil = vigil;
