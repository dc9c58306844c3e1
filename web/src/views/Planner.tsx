// The planner's work list: every asset whose decision asks for work, most urgent first (criticality over
// the hours left to the latest safe date), and a printable work order for each.
import { useState } from "preact/hooks";
import { api, type Asset } from "../api";
import { ErrorLine, Head } from "../components";
import { useLive, useLoad } from "../hooks";
import { hoursLeft, utc } from "../logic/format";
import { workOrder, workOrderText } from "../logic/workorder";
import { vigil } from "../testing";

export function PlannerView() {
  const list = useLoad(
    () =>
      Promise.all([api.workList(200, 0), api.assets()]).then(([w, assets]) => {
        vigil.loaded.planner = Date.now();
        return { work: w, assets: new Map<number, Asset>(assets.map((a) => [a.id, a])) };
      }),
    [],
  );
  const [open, setOpen] = useState<number | null>(null);
  useLive((e) => e.type.startsWith("asset"), list.reload, 3000);

  const d = list.data;
  if (!d) return list.error ? <ErrorLine error={list.error} /> : <p aria-busy="true">Loading the work list…</p>;
  const item = d.work.items.find((i) => i.asset_id === open) ?? null;
  const order = item ? workOrder(item, d.assets.get(item.asset_id) ?? null, d.work.now_ms) : null;
  return (
    <div class="planner" data-testid="planner-view">
      <section class="panel no-print" aria-labelledby="work-title">
        <h2 id="work-title">Work list ({d.work.items.length})</h2>
        <ErrorLine error={list.error} />
        <p class="small muted">Most urgent first: criticality ÷ hours to the latest safe date (at least 1 h).</p>
        <div class="table-wrap">
          <table data-testid="work-list">
            <Head cols={["#", "asset", "criticality", "action", "latest safe date", "spare part", "reason", "order"]} />
            <tbody>
              {d.work.items.map((i) => (
                <tr data-testid={`work-${i.asset_id}`} class={i.hours_left !== null && i.hours_left < 0 ? "overdue" : ""}>
                  <td>{i.rank}</td>
                  <td>
                    <a href={`#/asset/${i.asset_id}`}>{i.device_id}</a>
                    <div class="small muted">{i.location}</div>
                  </td>
                  <td>{i.criticality}</td>
                  <td>{i.action}</td>
                  <td>
                    {i.latest_safe_date ? utc(i.latest_safe_date.ts_ms) : "no date"}
                    <div class="small">{hoursLeft(i.hours_left)}</div>
                  </td>
                  <td>{i.spare_part?.value ?? "—"}</td>
                  <td>{i.reason}</td>
                  <td>
                    <button type="button" aria-expanded={open === i.asset_id} onClick={() => setOpen(open === i.asset_id ? null : i.asset_id)}>
                      Work order
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {d.work.items.length === 0 ? <p class="muted">Nothing to do: no asset's decision asks for work.</p> : null}
      </section>
      {order ? (
        <section class="panel work-order" aria-labelledby="order-title" data-testid="work-order" data-text={workOrderText(order)}>
          <h2 id="order-title">{order.title}</h2>
          <dl>
            {order.fields.map(([k, v]) => (
              <>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </>
            ))}
          </dl>
          <div class="sign print-only">
            <p>Done by: ____________________ Date: ____________ Found: ______________________________</p>
          </div>
          <button type="button" class="no-print" onClick={() => window.print()}>
            Print
          </button>
        </section>
      ) : null}
    </div>
  );
}
