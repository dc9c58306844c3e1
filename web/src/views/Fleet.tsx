// The fleet: sites → lines → assets → points with alarm counts and the worst NE 107 state rolled up, and
// what needs attention (active alarms, stale edge nodes, silent and stale assets).
import { useEffect, useState } from "preact/hooks";
import { ApiError, M, api, latest, type Alarm, type Asset, type AssetState, type EdgeNode, type Line, type Site } from "../api";
import { AlertBadge, ErrorLine, Ne107, ZoneBadge, Head } from "../components";
import { useClock, useLive, useLoad } from "../hooks";
import { eventAssetId } from "../live";
import { attentionList, buildTree } from "../logic/fleet";
import { ago, num } from "../logic/format";
import { vigil } from "../testing";

// An online asset that has sent nothing for this long is silent; so is an edge node.
export const SILENT_AFTER_MS = 5 * 60_000;

interface FleetData {
  sites: Site[];
  lines: Line[];
  assets: Asset[];
  states: Map<number, AssetState>;
  alarms: Alarm[];
  nodes: EdgeNode[];
}

// The alarms, or none while the hub has no alarm routes.
export async function alarmsOrNone(): Promise<Alarm[]> {
  try {
    return await api.alarms();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return [];
    throw e;
  }
}

export async function statesOf(assets: Asset[]): Promise<Map<number, AssetState>> {
  const out = new Map<number, AssetState>();
  const queue = [...assets];
  const worker = async () => {
    for (let a = queue.shift(); a; a = queue.shift()) out.set(a.id, await api.state(a.id));
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}

async function loadFleet(): Promise<FleetData> {
  const [sites, assets, alarms, nodes] = await Promise.all([api.sites(), api.assets(), alarmsOrNone(), api.edgeNodes()]);
  const [lines, states] = await Promise.all([
    Promise.all(sites.map((s) => api.lines(s.id))).then((l) => l.flat()),
    statesOf(assets),
  ]);
  vigil.loaded.fleet = Date.now();
  return { sites, lines, assets, states, alarms, nodes };
}

export function FleetView() {
  const fleet = useLoad(loadFleet, []);
  const [patch, setPatch] = useState<Map<number, AssetState>>(new Map());
  const now = useClock(15_000);
  // Silence comes without an event, and so do values the hub stores without one: re-read every 30 s.
  useEffect(() => {
    if (now - (vigil.loaded.fleet ?? now) >= 30_000) fleet.reload();
  }, [now]);

  // An asset's event re-reads that asset's state only; anything else (alarms, nodes, a reconnect) all.
  useLive(
    (e) => e.type !== "resync" && eventAssetId(e) !== null && !e.type.startsWith("alarm"),
    () => {
      const id = vigil.live.last ? eventAssetId(vigil.live.last) : null;
      // An asset not in the tree yet (its edge just came up): the whole fleet.
      if (id === null || !fleet.data?.assets.some((a) => a.id === id)) return fleet.reload();
      api.state(id).then((s) => setPatch((m) => new Map(m).set(id, s)), () => {});
    },
    200,
  );
  useLive((e) => e.type.startsWith("alarm") || e.type.startsWith("edge") || e.type === "asset.updated", fleet.reload, 1000);

  const d = fleet.data;
  if (!d) return fleet.error ? <ErrorLine error={fleet.error} /> : <p aria-busy="true">Loading the fleet…</p>;
  const states = new Map([...d.states, ...patch]);
  const tree = buildTree(d.sites, d.lines, d.assets, states, d.alarms);
  const attention = attentionList(d.assets, states, d.nodes, d.alarms, now, SILENT_AFTER_MS);

  return (
    <div class="fleet" data-testid="fleet">
      <section class="panel tree" aria-labelledby="tree-title">
        <h2 id="tree-title">Plant</h2>
        <ErrorLine error={fleet.error} />
        <ul class="tree-root">
          {tree.map((site) => (
            <li>
              <details open>
                <summary>
                  <span class="node-name">{site.name}</span> <Ne107 value={site.ne107} /> <Count n={site.alarms} />
                </summary>
                <ul>
                  {site.lines.map((line) => (
                    <li>
                      <details open>
                        <summary>
                          <span class="node-name">{line.name}</span> <Ne107 value={line.ne107} /> <Count n={line.alarms} />
                        </summary>
                        <ul>
                          {line.assets.map((a) => (
                            <li data-testid={`fleet-asset-${a.asset.id}`} data-ne107={a.ne107 ?? ""}>
                              <a href={`#/asset/${a.asset.id}`} class="node-name">
                                {a.asset.device_id}
                              </a>{" "}
                              <Ne107 value={a.ne107} /> <Count n={a.alarms} />
                              {a.asset.online ? null : <span class="badge stale">offline</span>}
                              <ul class="points">
                                {a.points.map((pt) => (
                                  <li>
                                    {pt.name}: {num(pt.velocity, 2, "mm/s")} <ZoneBadge zone={pt.zone} /> <AlertBadge level={pt.alert} />
                                  </li>
                                ))}
                              </ul>
                            </li>
                          ))}
                        </ul>
                      </details>
                    </li>
                  ))}
                </ul>
              </details>
            </li>
          ))}
        </ul>
        {tree.length === 0 ? <p class="muted">No assets yet: they appear with their edge node's first births.</p> : null}
      </section>
      <section class="panel attention" aria-labelledby="attention-title" data-testid="attention">
        <h2 id="attention-title">Needs attention ({attention.length})</h2>
        {attention.length === 0 ? <p class="muted">Nothing: every asset and edge node reports, no active alarm.</p> : null}
        <ul class="attention-list">
          {attention.map((a) => (
            <li class={`attention-${a.kind.replace(/ /g, "-")}`}>
              <span class="badge kind">{a.kind}</span> <a href={a.href}>{a.text}</a>
              {a.ts_ms ? <span class="muted small"> {ago(a.ts_ms, now)}</span> : null}
            </li>
          ))}
        </ul>
        <h3>Latest values</h3>
        <table class="small">
          <Head cols={["asset", "health", "RUL", "action"]} />
          <tbody>
            {d.assets.map((a) => {
              const s = states.get(a.id) ?? null;
              return (
                <tr>
                  <td>
                    <a href={`#/asset/${a.id}`}>{a.device_id}</a>
                  </td>
                  <td>{num(latest<number>(s, M.health)?.value as number | null, 2)}</td>
                  <td>{num(latest<number>(s, M.rulMedian)?.value as number | null, 0, "h")}</td>
                  <td>{(latest<string>(s, M.action)?.value as string | null) ?? "—"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function Count(p: { n: number }) {
  return <span class={`badge count ${p.n ? "has" : ""}`}>{p.n} {p.n === 1 ? "alarm" : "alarms"}</span>;
}
