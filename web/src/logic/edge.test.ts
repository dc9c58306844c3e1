import { describe, expect, it } from "vitest";
import { drainText } from "./edge";

describe("backlog drain", () => {
  it("tells draining, growing, steady and empty apart", () => {
    expect(drainText({ ts: 0, backlog: 500 }, { ts: 10_000, backlog: 300 })).toBe("draining 20.0 records/s");
    expect(drainText({ ts: 0, backlog: 300 }, { ts: 4_000, backlog: 310 })).toBe("growing 2.5 records/s");
    expect(drainText({ ts: 0, backlog: 7 }, { ts: 4_000, backlog: 7 })).toBe("steady");
    expect(drainText({ ts: 0, backlog: 7 }, { ts: 4_000, backlog: 0 })).toBe("empty");
  });
  it("needs a first read at least a second earlier", () => {
    expect(drainText(undefined, { ts: 0, backlog: 7 })).toBe("—");
    expect(drainText({ ts: 0, backlog: 9 }, { ts: 500, backlog: 7 })).toBe("—");
  });
});
