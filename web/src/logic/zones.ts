// ISO 10816 / 20816 vibration severity zones: the limits per machine class (src/diag/iso_severity.hpp) and
// the shaded bands a velocity trend is drawn over. The twin carries the limits the hub recognised; the
// table here is the fallback when it has none.

export interface ZoneLimits {
  ab: number;
  bc: number;
  cd: number;
}

export type Zone = "A" | "B" | "C" | "D";

export interface ZoneBand {
  zone: Zone;
  from: number;
  to: number;
}

// ISO 10816-1 Annex B and ISO 10816-3 / 20816-3 Annex A, mm/s RMS.
export const ISO_LIMITS: Record<string, ZoneLimits> = {
  class_i: { ab: 0.71, bc: 1.8, cd: 4.5 },
  class_ii: { ab: 1.12, bc: 2.8, cd: 7.1 },
  class_iii: { ab: 1.8, bc: 4.5, cd: 11.2 },
  class_iv: { ab: 2.8, bc: 7.1, cd: 18.0 },
  group1_rigid: { ab: 2.3, bc: 4.5, cd: 7.1 },
  group1_flexible: { ab: 3.5, bc: 7.1, cd: 11.0 },
  group2_rigid: { ab: 1.4, bc: 2.8, cd: 4.5 },
  group2_flexible: { ab: 2.3, bc: 4.5, cd: 7.1 },
};

// The class a free-text machine class names, compared on letters and digits only, ignoring case (as the
// hub does): "group 2, rigid" is group2_rigid, "Class I" is class_i.
export function recogniseClass(machineClass: string): string | null {
  const key = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const wanted = key(machineClass);
  if (!wanted) return null;
  for (const name of Object.keys(ISO_LIMITS)) if (key(name) === wanted) return name;
  return null;
}

// A boundary value belongs to the upper zone, as on the edge and the hub.
export function zoneOf(velocityMmS: number, l: ZoneLimits): Zone {
  if (velocityMmS >= l.cd) return "D";
  if (velocityMmS >= l.bc) return "C";
  if (velocityMmS >= l.ab) return "B";
  return "A";
}

// The four bands from 0 up to the top of the chart: zone D reaches at least a quarter past C|D, or the
// highest value plotted.
export function zoneBands(l: ZoneLimits, highestValue: number): ZoneBand[] {
  const top = Math.max(l.cd * 1.25, Number.isFinite(highestValue) ? highestValue * 1.05 : 0);
  return [
    { zone: "A", from: 0, to: l.ab },
    { zone: "B", from: l.ab, to: l.bc },
    { zone: "C", from: l.bc, to: l.cd },
    { zone: "D", from: l.cd, to: top },
  ];
}

export const ZONE_MEANING: Record<Zone, string> = {
  A: "newly commissioned",
  B: "unrestricted long-term operation",
  C: "restricted operation: plan maintenance",
  D: "damage likely",
};
