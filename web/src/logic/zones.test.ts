import { describe, expect, it } from "vitest";
import { ISO_LIMITS, recogniseClass, zoneBands, zoneOf } from "./zones";

describe("zones", () => {
  it("recognises machine classes as written by people", () => {
    expect(recogniseClass("group 2, rigid")).toBe("group2_rigid");
    expect(recogniseClass("Group1-Flexible")).toBe("group1_flexible");
    expect(recogniseClass("class I")).toBe("class_i");
    expect(recogniseClass("class IV")).toBe("class_iv");
    expect(recogniseClass("group 3")).toBeNull();
    expect(recogniseClass("")).toBeNull();
  });

  it("grades a boundary into the upper zone (ISO 10816-3 group 2 rigid: 1.4 / 2.8 / 4.5)", () => {
    const l = ISO_LIMITS.group2_rigid;
    expect(zoneOf(1.39, l)).toBe("A");
    expect(zoneOf(1.4, l)).toBe("B");
    expect(zoneOf(2.8, l)).toBe("C");
    expect(zoneOf(4.49, l)).toBe("C");
    expect(zoneOf(4.5, l)).toBe("D");
  });

  it("draws four contiguous bands up past the highest value", () => {
    const l = ISO_LIMITS.class_i; // 0.71 / 1.8 / 4.5
    expect(zoneBands(l, 2)).toEqual([
      { zone: "A", from: 0, to: 0.71 },
      { zone: "B", from: 0.71, to: 1.8 },
      { zone: "C", from: 1.8, to: 4.5 },
      { zone: "D", from: 4.5, to: 5.625 },
    ]);
    expect(zoneBands(l, 10)[3].to).toBeCloseTo(10.5);
    expect(zoneBands(l, NaN)[3].to).toBe(5.625);
  });
});
