// Edge nodes: their Sparkplug session (online, bdSeq, last seen), the store-and-forward backlog and how
// fast it drains, evictions, dropped blocks, the models in use and the assets' baseline progress.
import { useEffect } from "preact/hooks";
import { M, api, latest, nodeMetric, type Asset, type AssetState, type EdgeNode } from "../api";
import { ErrorLine, Head } from "../components";
import { useClock, useLive, useLoad } from "../hooks";
import { drainText, type BacklogSample } from "../logic/edge";
import { ago, num, percent } from "../logic/format";
import { vigil } from "../testing";
import { statesOf } from "./Fleet";

// Each node's backlog at the previous read, to tell the drain rate.
const previous = new Map<string, BacklogSample>();

const key = (n: EdgeNode) => `${n.group_id}/${n.node_id}`;

async function load(): Promise<{ nodes: EdgeNode[]; drains: Map<string, string>; assets: Asset[]; states: Map<number, AssetState> }> {
  const [nodes, assets] = await Promise.all([api.edgeNodes(), api.assets()]);
  const now = Date.now();
  const drains = new Map(nodes.map((n) => {
    const backlog = nodeMetric(n, "Uplink/Backlog records");
    if (typeof backlog !== "number") return [key(n), "—"];
    const sample = { ts: now, backlog };
    const text = drainText(previous.get(key(n)), sample);
    previous.set(key(n), sample);
    return [key(n), text];
  }));
  const states = await statesOf(assets);
  vigil.loaded.edge = Date.now();
  return { nodes, drains, assets, states };
}

export function EdgeView() {
  const data = useLoad(load, []);
  const now = useClock(10_000);
  useLive((e) => e.type.startsWith("edge") || e.type === "asset.updated", data.reload, 2000);
  // Backlog and drain come with the node's data: re-read every 10 s.
  useEffect(() => {
    if (data.data) data.reload();
  }, [now]);

  const d = data.data;
  if (!d) return data.error ? <ErrorLine error={data.error} /> : <p aria-busy="true">Loading edge nodes…</p>;
  return (
    <section class="panel" aria-labelledby="edge-title" data-testid="edge-view">
      <h2 id="edge-title">Edge nodes ({d.nodes.length})</h2>
      <ErrorLine error={data.error} />
      <div class="table-wrap">
        <table>
          <Head cols={["node", "state", "bdSeq", "last seen", "backlog", "drain", "evictions", "dropped blocks", "models", "baseline"]} />
          <tbody>
            {d.nodes.map((n) => {
              const backlog = nodeMetric(n, "Uplink/Backlog records");
              const age = nodeMetric(n, "Uplink/Backlog age s");
              const mine = d.assets.filter((a) => a.group_id === n.group_id && a.node_id === n.node_id);
              const pending = nodeMetric(n, "Baseline/Assets pending");
              return (
                <tr data-testid={`edge-${key(n)}`} data-online={String(n.online)}>
                  <th scope="row">{key(n)}</th>
                  <td>
                    <span class={`badge ${n.online ? "online" : "stale"}`}>{n.online ? "online" : "offline"}</span>
                  </td>
                  <td>{n.bd_seq}</td>
                  <td>{n.last_seen_ms ? ago(n.last_seen_ms, now) : "never"}</td>
                  <td>
                    {backlog ?? "—"}
                    {typeof age === "number" && age > 0 ? <span class="muted small"> (oldest {num(age, 0, "s")})</span> : null}
                  </td>
                  <td>{d.drains.get(key(n))}</td>
                  <td>{nodeMetric(n, "Uplink/Evictions") ?? "—"}</td>
                  <td>{nodeMetric(n, "Pipeline/Dropped blocks") ?? "—"}</td>
                  <td class="small">
                    anomaly {nodeMetric(n, "Models/Anomaly version") ?? "none"}
                    <br />
                    classifier {nodeMetric(n, "Models/Classifier version") ?? "none"}
                    <br />
                    RUL {nodeMetric(n, "Models/RUL version") ?? "none"}
                  </td>
                  <td class="small">
                    {pending !== null ? `${pending} assets pending` : null}
                    <ul class="plain">
                      {mine.map((a) => {
                        const p = latest<number>(d.states.get(a.id) ?? null, M.baseline)?.value as number | null | undefined;
                        return (
                          <li>
                            <a href={`#/asset/${a.id}`}>{a.device_id}</a>{" "}
                            {p === null || p === undefined ? (
                              "—"
                            ) : (
                              <>
                                <meter min={0} max={1} value={p} aria-label={`${a.device_id} baseline`} /> {percent(p)}
                                {p >= 1 ? " done" : " learning"}
                              </>
                            )}
                          </li>
                        );
                      })}
                    </ul>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {d.nodes.length === 0 ? <p class="muted">No edge node has been born yet.</p> : null}
    </section>
  );
}
