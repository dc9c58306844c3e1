// A work order for one item of the planner's work list: what a technician takes to the machine.
import type { Asset, WorkItem } from "../api";
import { hoursLeft, utc } from "./format";

export interface WorkOrder {
  title: string;
  fields: [string, string][];
}

const SAFE_DATE_SOURCE: Record<string, string> = {
  edge_deadline: "the edge's decision deadline",
  rul_low_bound: "the low bound of the remaining-life estimate",
  health_trend: "the health index trend reaching zero",
};

export function workOrder(item: WorkItem, asset: Asset | null, nowMs: number): WorkOrder {
  const safe = item.latest_safe_date;
  const spare = item.spare_part
    ? `${item.spare_part.value}${item.spare_part.source === "bearing" ? " (the bearing fitted)" : ""}`
    : "none recorded";
  const fields: [string, string][] = [
    ["Asset", `${item.device_id} (#${item.asset_id})`],
    ["Location", item.location || asset?.location || "—"],
    ["Action", item.action],
    ["Reason", item.reason || "—"],
    [
      "Latest safe date",
      safe ? `${utc(safe.ts_ms)} (${hoursLeft(item.hours_left)}; from ${SAFE_DATE_SOURCE[safe.source] ?? safe.source})` : "no date",
    ],
    ["Spare part", spare],
    ["Criticality", `${item.criticality} of 5`],
    ["Priority rank", `${item.rank} (urgency ${item.urgency.toPrecision(3)})`],
  ];
  if (asset) {
    if (asset.bearing) fields.push(["Bearing", asset.bearing]);
    fields.push(["Edge node", `${asset.group_id}/${asset.node_id}`]);
  }
  fields.push(["Issued", utc(nowMs)]);
  return { title: `Work order: ${item.action} ${item.device_id}`, fields };
}

export function workOrderText(o: WorkOrder): string {
  const width = Math.max(...o.fields.map(([k]) => k.length));
  return [o.title, ...o.fields.map(([k, v]) => `${k.padEnd(width)}  ${v}`)].join("\n");
}
