import { describe, expect, it } from "vitest";
import { nodeMetric, withPoint, type EdgeNode } from "./api";

describe("shapes read from the hub", () => {
  it("takes an alarm's point nested or flat", () => {
    const nested = { id: 1, point: { definition: "bearing_alarm", asset_id: 7, node: "" } };
    expect(withPoint(nested)).toBe(nested);
    // The webhook payload's flat fields (docs/formats/hub-webhook.md).
    expect(withPoint({ alarm_id: 312, definition: "node_offline", asset_id: 0, node: "plant/edge-1" } as never)).toMatchObject({
      point: { definition: "node_offline", asset_id: 0, node: "plant/edge-1" },
    });
  });

  it("finds an edge node's metric by its Sparkplug name, in `metrics` or flat", () => {
    const base: EdgeNode = { group_id: "g", node_id: "n", bd_seq: 1, online: true, last_seen_ms: 0 };
    expect(nodeMetric({ ...base, metrics: { "Uplink/Backlog records": 12 } }, "Uplink/Backlog records")).toBe(12);
    expect(nodeMetric({ ...base, uplink_backlog_records: 5 }, "Uplink/Backlog records")).toBe(5);
    expect(nodeMetric({ ...base, backlog_records: 4 }, "Uplink/Backlog records")).toBe(4);
    expect(nodeMetric({ ...base, models_anomaly_version: "a-1" }, "Models/Anomaly version")).toBe("a-1");
    expect(nodeMetric(base, "Uplink/Evictions")).toBeNull();
    expect(nodeMetric({ ...base, metrics: { "Models/RUL version": null } }, "Models/RUL version")).toBeNull();
  });
});
