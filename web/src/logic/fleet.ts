// The fleet tree (sites → lines → assets → points) with alarm counts and the worst NE 107 state rolled up,
// and the attention list: silent assets, stale edge nodes and active alarms.
import type { Alarm, Asset, AssetState, EdgeNode, Line, Site } from "../api";
import { M, latest } from "../api";

// NAMUR NE 107, worst first: failure, function check, out of specification, maintenance required.
export const NE107_ORDER = ["Failure", "Check function", "Out of specification", "Maintenance required", "Normal"];
export const NE107_LETTER: Record<string, string> = {
  Failure: "F",
  "Check function": "C",
  "Out of specification": "S",
  "Maintenance required": "M",
  Normal: "N",
};

export function worseNe107(a: string | null, b: string | null): string | null {
  const rank = (s: string | null) => (s === null ? NE107_ORDER.length : NE107_ORDER.indexOf(s) === -1 ? NE107_ORDER.length - 1 : NE107_ORDER.indexOf(s));
  return rank(b) < rank(a) ? b : a;
}

// An alarm still shown to the operators (not back to normal, not hidden).
export function isActive(a: Alarm): boolean {
  return a.state !== "normal" && !a.shelved && !a.out_of_service && !a.suppressed_by_design;
}

export interface PointNode {
  name: string;
  velocity: number | null;
  zone: string | null;
  alert: string | null;
}
export interface AssetNode {
  asset: Asset;
  ne107: string | null;
  alarms: number;
  points: PointNode[];
}
export interface LineNode {
  id: number | null;
  name: string;
  ne107: string | null;
  alarms: number;
  assets: AssetNode[];
}
export interface SiteNode {
  id: number | null;
  name: string;
  ne107: string | null;
  alarms: number;
  lines: LineNode[];
}

export function buildTree(
  sites: Site[],
  lines: Line[],
  assets: Asset[],
  states: Map<number, AssetState>,
  alarms: Alarm[],
): SiteNode[] {
  const alarmCount = new Map<number, number>();
  for (const a of alarms) if (isActive(a) && a.point.asset_id) alarmCount.set(a.point.asset_id, (alarmCount.get(a.point.asset_id) ?? 0) + 1);

  const lineNodes = new Map<number | null, LineNode>();
  for (const l of lines) lineNodes.set(l.id, { id: l.id, name: l.name, ne107: null, alarms: 0, assets: [] });
  const siteOf = new Map<number | null, number | null>(lines.map((l) => [l.id, l.site_id]));

  for (const asset of assets) {
    const state = states.get(asset.id) ?? null;
    const ne107 = (latest<string>(state, M.ne107)?.value as string | null) ?? null;
    const node: AssetNode = {
      asset,
      ne107,
      alarms: alarmCount.get(asset.id) ?? 0,
      points: [
        {
          name: asset.location || asset.bearing || asset.device_id,
          velocity: (latest<number>(state, M.velocity)?.value as number | null) ?? null,
          zone: (latest<string>(state, M.zone)?.value as string | null) ?? null,
          alert: (latest<string>(state, M.alert)?.value as string | null) ?? null,
        },
      ],
    };
    let key: number | null = asset.line_id;
    if (key === null || !lineNodes.has(key)) {
      key = null;
      if (!lineNodes.has(null)) lineNodes.set(null, { id: null, name: "Not placed on a line", ne107: null, alarms: 0, assets: [] });
    }
    const line = lineNodes.get(key)!;
    line.assets.push(node);
    line.alarms += node.alarms;
    line.ne107 = worseNe107(line.ne107, ne107);
  }

  const siteNodes = new Map<number | null, SiteNode>();
  for (const s of sites) siteNodes.set(s.id, { id: s.id, name: s.name, ne107: null, alarms: 0, lines: [] });
  for (const line of lineNodes.values()) {
    let sid = line.id === null ? null : (siteOf.get(line.id) ?? null);
    if (sid === null || !siteNodes.has(sid)) {
      sid = null;
      if (line.assets.length === 0) continue;
      if (!siteNodes.has(null)) siteNodes.set(null, { id: null, name: "Unplaced", ne107: null, alarms: 0, lines: [] });
    }
    const site = siteNodes.get(sid)!;
    site.lines.push(line);
    site.alarms += line.alarms;
    site.ne107 = worseNe107(site.ne107, line.ne107);
  }
  return [...siteNodes.values()];
}

export interface Attention {
  kind: "silent asset" | "stale asset" | "stale edge node" | "alarm";
  priority: number; // lower first
  text: string;
  href: string;
  ts_ms: number;
}

// An asset is silent when it is online but has sent nothing for `silentAfterMs`; stale when the hub marked
// it so (its device or node died). An edge node is stale when offline or not heard from for `silentAfterMs`.
export function attentionList(
  assets: Asset[],
  states: Map<number, AssetState>,
  nodes: EdgeNode[],
  alarms: Alarm[],
  nowMs: number,
  silentAfterMs: number,
): Attention[] {
  const out: Attention[] = [];
  const prio: Record<string, number> = { urgent: 0, high: 1, medium: 2, low: 3 };
  for (const a of alarms.filter(isActive)) {
    const asset = a.point.asset_id ? assets.find((x) => x.id === a.point.asset_id) : undefined;
    const what = asset ? asset.device_id : a.point.asset_id ? `asset #${a.point.asset_id}` : `node ${a.point.node}`;
    out.push({
      kind: "alarm",
      priority: prio[a.priority] ?? 2,
      text: `${a.priority} alarm ${a.point.definition} on ${what}: ${a.state.replace("_", " ")}`,
      href: a.point.asset_id ? `#/asset/${a.point.asset_id}` : "#/alarms",
      ts_ms: a.activated_ms,
    });
  }
  for (const n of nodes) {
    const silent = nowMs - n.last_seen_ms > silentAfterMs;
    if (!n.online || silent)
      out.push({
        kind: "stale edge node",
        priority: 1,
        text: `edge node ${n.group_id}/${n.node_id} ${n.online ? "silent" : "offline"}, last seen`,
        href: "#/edge",
        ts_ms: n.last_seen_ms,
      });
  }
  for (const a of assets) {
    if (!a.online) {
      out.push({ kind: "stale asset", priority: 2, text: `${a.device_id} is stale since`, href: `#/asset/${a.id}`, ts_ms: a.stale_since_ms ?? 0 });
      continue;
    }
    const s = states.get(a.id);
    const newest = s ? Math.max(0, ...s.numbers.map((v) => v.ts_ms), ...s.texts.map((v) => v.ts_ms)) : 0;
    if (nowMs - newest > silentAfterMs)
      out.push({
        kind: "silent asset",
        priority: 2,
        text: newest ? `${a.device_id} online but silent, last value` : `${a.device_id} online but has sent no data`,
        href: `#/asset/${a.id}`,
        ts_ms: newest,
      });
  }
  return out.sort((x, y) => x.priority - y.priority || y.ts_ms - x.ts_ms);
}
