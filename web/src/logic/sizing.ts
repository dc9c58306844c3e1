// How many points to ask the hub for: one bucket per horizontal pixel of the chart (the hub answers with
// min, max and mean per bucket, so a zoomed-out year and a zoomed-in minute cost the same to draw).

export const MAX_POINTS = 10_000;

export function pointsForWidth(widthPx: number): number {
  if (!Number.isFinite(widthPx) || widthPx < 1) return 1;
  return Math.min(MAX_POINTS, Math.round(widthPx));
}

export interface Range {
  from: number;
  to: number;
}

// The [from, to) window in whole ms for the series route (to > from), from a chart's x scale.
export function requestRange(min: number, max: number): Range {
  const from = Math.max(0, Math.floor(min));
  const to = Math.max(from + 1, Math.ceil(max));
  return { from, to };
}

export interface Bucket {
  start_ms: number;
  min: number;
  max: number;
  mean: number;
  count: number;
}

// uPlot's columns [x, mean, min, max] with a bucket drawn at its centre.
export function bucketColumns(items: Bucket[], bucketMs: number): [number[], number[], number[], number[]] {
  const x: number[] = [], mean: number[] = [], min: number[] = [], max: number[] = [];
  for (const b of items) {
    x.push(b.start_ms + bucketMs / 2);
    mean.push(b.mean);
    min.push(b.min);
    max.push(b.max);
  }
  return [x, mean, min, max];
}

// Several series' buckets on one x axis (the union of their bucket times), null where one has none.
export function alignSeries(series: { items: Bucket[]; bucket_ms: number }[]): (number | null)[][] {
  const xs = new Set<number>();
  for (const s of series) for (const b of s.items) xs.add(b.start_ms + s.bucket_ms / 2);
  const x = [...xs].sort((a, b) => a - b);
  const at = new Map(x.map((v, i) => [v, i]));
  const cols = series.map(() => new Array<number | null>(x.length).fill(null));
  series.forEach((s, j) => {
    for (const b of s.items) cols[j][at.get(b.start_ms + s.bucket_ms / 2)!] = b.mean;
  });
  return [x, ...cols];
}
