// Text for times and numbers, the same everywhere: times in UTC (a plant's sites may span time zones).

const pad = (n: number) => String(n).padStart(2, "0");

export function utc(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

export function num(v: number | null | undefined, digits = 2, unit = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return unit ? `${v.toFixed(digits)} ${unit}` : v.toFixed(digits);
}

export function percent(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  return `${Math.round(v * 100)} %`;
}

// "12 min ago", "3.5 h ago", "2.1 d ago".
export function ago(ms: number, now: number): string {
  const s = Math.max(0, (now - ms) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h ago`;
  return `${(s / 86400).toFixed(1)} d ago`;
}

// Time left to a date: "in 85.5 h", "overdue by 3.0 h".
export function hoursLeft(h: number | null | undefined): string {
  if (h === null || h === undefined || !Number.isFinite(h)) return "no date";
  return h >= 0 ? `in ${h.toFixed(1)} h` : `overdue by ${(-h).toFixed(1)} h`;
}
