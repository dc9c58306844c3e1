// How an edge node's store-and-forward backlog moves between two reads.
import { num } from "./format";

export interface BacklogSample {
  ts: number;
  backlog: number;
}

export function drainText(before: BacklogSample | undefined, now: BacklogSample): string {
  if (now.backlog === 0) return "empty";
  if (!before || now.ts - before.ts < 1000) return "—";
  const perS = (before.backlog - now.backlog) / ((now.ts - before.ts) / 1000);
  if (perS > 0) return `draining ${num(perS, 1)} records/s`;
  if (perS < 0) return `growing ${num(-perS, 1)} records/s`;
  return "steady";
}
