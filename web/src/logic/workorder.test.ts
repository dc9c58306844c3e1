import { describe, expect, it } from "vitest";
import type { WorkItem } from "../api";
import { workOrder, workOrderText } from "./workorder";

// The work-list example of docs/formats/hub-twin.md.
const item: WorkItem = {
  rank: 1,
  asset_id: 1,
  device_id: "pump7",
  criticality: 4,
  urgency: 0.04678362573099415,
  latest_safe_date: { ts_ms: 1700307000000, source: "rul_low_bound" },
  hours_left: 85.5,
  action: "plan stop and replace",
  reason: "drive-end bearing, outer-race defect, 73 %",
  spare_part: { value: "SKF 6205-2RS", source: "bearing" },
  location: "pump 7 drive-end bearing",
};

describe("work order", () => {
  it("says what, where, why, by when and with which part", () => {
    const o = workOrder(item, null, 1699999200000);
    expect(workOrderText(o)).toBe(
      [
        "Work order: plan stop and replace pump7",
        "Asset             pump7 (#1)",
        "Location          pump 7 drive-end bearing",
        "Action            plan stop and replace",
        "Reason            drive-end bearing, outer-race defect, 73 %",
        // 1700307000000 ms = 2023-11-18 11:30 UTC
        "Latest safe date  2023-11-18 11:30 UTC (in 85.5 h; from the low bound of the remaining-life estimate)",
        "Spare part        SKF 6205-2RS (the bearing fitted)",
        "Criticality       4 of 5",
        "Priority rank     1 (urgency 0.0468)",
        // 1699999200000 ms = 2023-11-14 22:00 UTC
        "Issued            2023-11-14 22:00 UTC",
      ].join("\n"),
    );
  });

  it("says when a date has passed or is missing", () => {
    const overdue = workOrder({ ...item, hours_left: -3, spare_part: null }, null, 0);
    expect(overdue.fields.find(([k]) => k === "Latest safe date")![1]).toContain("overdue by 3.0 h");
    expect(overdue.fields.find(([k]) => k === "Spare part")![1]).toBe("none recorded");
    const undated = workOrder({ ...item, latest_safe_date: null, hours_left: null }, null, 0);
    expect(undated.fields.find(([k]) => k === "Latest safe date")![1]).toBe("no date");
  });
});
