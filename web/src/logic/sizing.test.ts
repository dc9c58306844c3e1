import { describe, expect, it } from "vitest";
import { alignSeries, bucketColumns, pointsForWidth, requestRange } from "./sizing";

describe("request sizing", () => {
  it("asks for one bucket per pixel, 1..10000", () => {
    expect(pointsForWidth(1366)).toBe(1366);
    expect(pointsForWidth(799.6)).toBe(800);
    expect(pointsForWidth(0)).toBe(1);
    expect(pointsForWidth(NaN)).toBe(1);
    expect(pointsForWidth(25_000)).toBe(10_000);
  });

  it("turns a zoomed scale into a whole-ms window that is never empty", () => {
    expect(requestRange(1000.4, 2000.2)).toEqual({ from: 1000, to: 2001 });
    expect(requestRange(5, 5)).toEqual({ from: 5, to: 6 });
    expect(requestRange(-10, 3)).toEqual({ from: 0, to: 3 });
  });

  it("draws buckets at their centre", () => {
    const items = [
      { start_ms: 0, min: 1, max: 3, mean: 2, count: 4 },
      { start_ms: 100, min: 4, max: 6, mean: 5, count: 2 },
    ];
    expect(bucketColumns(items, 100)).toEqual([[50, 150], [2, 5], [1, 4], [3, 6]]);
  });

  it("aligns series on the union of their times", () => {
    const a = { bucket_ms: 10, items: [{ start_ms: 0, min: 0, max: 0, mean: 1, count: 1 }] };
    const b = { bucket_ms: 10, items: [{ start_ms: 10, min: 0, max: 0, mean: 2, count: 1 }] };
    expect(alignSeries([a, b])).toEqual([[5, 15], [1, null], [null, 2]]);
  });
});
