import { describe, expect, it } from "vitest";
import type { Alarm, Asset, AssetState, EdgeNode } from "../api";
import { attentionList, buildTree, worseNe107 } from "./fleet";

const asset = (id: number, line_id: number | null, online = true): Asset => ({
  id,
  group_id: "plant",
  node_id: "edge-1",
  device_id: `m${id}`,
  line_id,
  bearing: "6205",
  machine_class: "group 2, rigid",
  criticality: 3,
  location: `motor ${id} drive end`,
  spare_part: "",
  first_seen_ms: 0,
  online,
  stale_since_ms: online ? 0 : 500,
});
const state = (id: number, ne107: string, ts: number): AssetState => ({
  asset_id: id,
  numbers: [{ metric: "Vibration/Velocity RMS mm/s", value: 3.1, ts_ms: ts }],
  texts: [
    { metric: "Health/NE107", value: ne107, ts_ms: ts },
    { metric: "Vibration/ISO zone", value: "C", ts_ms: ts },
  ],
});
const alarm = (id: number, asset_id: number, over: Partial<Alarm> = {}): Alarm => ({
  id,
  point: { definition: "bearing_warning", asset_id, node: "" },
  priority: "low",
  state: "unack_active",
  condition: true,
  shelved: false,
  shelved_until_ms: 0,
  out_of_service: false,
  suppressed_by_design: false,
  work: "unassigned",
  assignee: "",
  found_fault: "",
  opened_ms: 1,
  activated_ms: 1,
  changed_ms: 1,
  condition_ms: 1,
  activations: 1,
  detail: "",
  ...over,
});

describe("fleet tree", () => {
  it("ranks NE 107 states worst first", () => {
    expect(worseNe107("Normal", "Maintenance required")).toBe("Maintenance required");
    expect(worseNe107("Failure", "Out of specification")).toBe("Failure");
    expect(worseNe107("Out of specification", "Check function")).toBe("Check function");
    expect(worseNe107(null, "Normal")).toBe("Normal");
    expect(worseNe107("Normal", null)).toBe("Normal");
  });

  it("rolls alarm counts and the worst NE 107 state up to lines and sites", () => {
    const sites = [{ id: 1, name: "North" }, { id: 2, name: "South" }];
    const lines = [{ id: 10, site_id: 1, name: "L1" }, { id: 11, site_id: 1, name: "L2" }, { id: 20, site_id: 2, name: "L3" }];
    const assets = [asset(1, 10), asset(2, 10), asset(3, 11), asset(4, 20), asset(5, null)];
    const states = new Map([
      [1, state(1, "Normal", 1)],
      [2, state(2, "Maintenance required", 1)],
      [3, state(3, "Failure", 1)],
      [4, state(4, "Normal", 1)],
    ]);
    const alarms = [alarm(1, 2), alarm(2, 2), alarm(3, 3), alarm(4, 4, { shelved: true }), alarm(5, 4, { state: "normal" })];
    const tree = buildTree(sites, lines, assets, states, alarms);
    expect(tree.map((s) => [s.name, s.ne107, s.alarms])).toEqual([
      ["North", "Failure", 3],
      ["South", "Normal", 0],
      ["Unplaced", null, 0],
    ]);
    expect(tree[0].lines.map((l) => [l.name, l.ne107, l.alarms])).toEqual([
      ["L1", "Maintenance required", 2],
      ["L2", "Failure", 1],
    ]);
    expect(tree[2].lines[0].assets.map((a) => a.asset.id)).toEqual([5]);
    expect(tree[0].lines[0].assets[1].points[0]).toEqual({ name: "motor 2 drive end", velocity: 3.1, zone: "C", alert: null });
  });
});

describe("attention list", () => {
  const nodes: EdgeNode[] = [
    { group_id: "plant", node_id: "edge-1", bd_seq: 1, online: true, last_seen_ms: 99_000 },
    { group_id: "plant", node_id: "edge-2", bd_seq: 3, online: false, last_seen_ms: 50_000 },
    { group_id: "plant", node_id: "edge-3", bd_seq: 0, online: true, last_seen_ms: 10_000 },
  ];
  it("names silent and stale assets, stale edge nodes and active alarms, alarms by priority first", () => {
    const assets = [asset(1, 10), asset(2, 10), asset(3, 10, false), asset(4, 10)];
    const states = new Map([
      [1, state(1, "Normal", 95_000)],
      [2, state(2, "Normal", 20_000)],
    ]);
    const alarms = [alarm(1, 1), alarm(2, 2, { priority: "urgent" }), alarm(3, 1, { out_of_service: true })];
    const list = attentionList(assets, states, nodes, alarms, 100_000, 30_000);
    expect(list.map((a) => [a.kind, a.href])).toEqual([
      ["alarm", "#/asset/2"],
      ["stale edge node", "#/edge"],
      ["stale edge node", "#/edge"],
      ["silent asset", "#/asset/2"],
      ["stale asset", "#/asset/3"],
      ["silent asset", "#/asset/4"],
      ["alarm", "#/asset/1"],
    ]);
    expect(list[1].text).toContain("edge-2 offline");
    expect(list[2].text).toContain("edge-3 silent");
    expect(list[5].text).toContain("has sent no data");
    expect(list[3].text).toBe("m2 online but silent, last value");
    // An alarm names its asset as the plant does (its device id), not by the hub's number.
    expect(list[0].text).toBe("urgent alarm bearing_warning on m2: unack active");
  });
});
