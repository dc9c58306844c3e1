// ISA-18.2 alarms: the active list with each alarm's state in words, the operator's actions (acknowledge,
// shelve for a time or once, comment, assign, resolve, out of service) and the KPIs of the alarm system.
import { useState } from "preact/hooks";
import { api, type Alarm, type AlarmPoint, type Kpis, type Principal } from "../api";
import { ErrorLine, StateBadge } from "../components";
import { useLive, useLoad } from "../hooks";
import { ago, num, utc } from "../logic/format";
import { vigil } from "../testing";
import { alarmsOrNone } from "./Fleet";

const SHELVE_CHOICES: [string, number | null][] = [
  ["15 min", 900],
  ["1 h", 3600],
  ["4 h", 4 * 3600],
  ["8 h", 8 * 3600],
  ["until it clears (one-shot)", null],
];
const KPI_RANGES: [string, number][] = [
  ["24 h", 86400e3],
  ["7 d", 7 * 86400e3],
  ["30 d", 30 * 86400e3],
];
const PRIORITY_ORDER = { urgent: 0, high: 1, medium: 2, low: 3 };

export function pointText(p: AlarmPoint): string {
  return p.asset_id ? `${p.definition} on asset #${p.asset_id}` : `${p.definition} on node ${p.node}`;
}

export function AlarmsView(p: { user: Principal }) {
  const [showHidden, setShowHidden] = useState(false);
  const list = useLoad(
    () =>
      alarmsOrNone().then((a) => {
        vigil.loaded.alarms = Date.now();
        return a;
      }),
    [],
  );
  const [kpiRange, setKpiRange] = useState(KPI_RANGES[0][1]);
  const kpis = useLoad(() => {
    const to = Date.now();
    return api.kpis(to - kpiRange, to);
  }, [kpiRange]);
  const [selected, setSelected] = useState<number | null>(null);
  useLive((e) => e.type.startsWith("alarm"), list.reload, 300);
  useLive((e) => e.type.startsWith("alarm"), kpis.reload, 5000);

  const mayAct = p.user.role !== "viewer";
  const alarms = (list.data ?? [])
    .filter((a) => a.state !== "normal" && (showHidden || (!a.shelved && !a.out_of_service && !a.suppressed_by_design)))
    .sort((x, y) => PRIORITY_ORDER[x.priority] - PRIORITY_ORDER[y.priority] || y.activated_ms - x.activated_ms);
  const chosen = alarms.find((a) => a.id === selected) ?? null;

  return (
    <div class="alarms" data-testid="alarms-view">
      <section class="panel" aria-labelledby="alarms-title">
        <header class="panel-head">
          <h2 id="alarms-title">Alarms ({alarms.length})</h2>
          <label class="inline">
            <input type="checkbox" checked={showHidden} onChange={(e) => setShowHidden(e.currentTarget.checked)} /> show shelved and
            out of service
          </label>
        </header>
        <ErrorLine error={list.error} />
        {!mayAct ? <p class="muted small">Viewers see alarms; operators act on them.</p> : null}
        <div class="table-wrap">
          <table data-testid="alarm-table">
            <thead>
              <tr>
                <th scope="col">priority</th>
                <th scope="col">alarm</th>
                <th scope="col">state</th>
                <th scope="col">since</th>
                <th scope="col">work</th>
                <th scope="col">detail</th>
                {mayAct ? <th scope="col">act</th> : null}
              </tr>
            </thead>
            <tbody>
              {alarms.map((a) => (
                <tr data-testid={`alarm-${a.id}`} data-state={a.state} class={selected === a.id ? "selected" : ""}>
                  <td>
                    <span class={`badge prio-${a.priority}`}>{a.priority}</span>
                  </td>
                  <td>
                    {a.point.asset_id ? <a href={`#/asset/${a.point.asset_id}`}>{pointText(a.point)}</a> : pointText(a.point)}
                  </td>
                  <td>
                    <StateBadge state={a.state} />
                    {a.shelved ? (
                      <span class="badge flag">shelved{a.shelved_until_ms ? ` until ${utc(a.shelved_until_ms)}` : " (one-shot)"}</span>
                    ) : null}
                    {a.out_of_service ? <span class="badge flag">out of service</span> : null}
                    {a.suppressed_by_design ? <span class="badge flag">suppressed by design</span> : null}
                  </td>
                  <td title={utc(a.activated_ms)}>{ago(a.activated_ms, Date.now())}</td>
                  <td>
                    {a.work}
                    {a.assignee ? `: ${a.assignee}` : ""}
                  </td>
                  <td>{a.detail || "—"}</td>
                  {mayAct ? (
                    <td>
                      <button type="button" aria-expanded={selected === a.id} onClick={() => setSelected(selected === a.id ? null : a.id)}>
                        Act on #{a.id}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {alarms.length === 0 && list.data ? <p class="muted">No active alarm.</p> : null}
      </section>
      {chosen && mayAct ? <AlarmActions alarm={chosen} onDone={list.reload} /> : null}
      <KpiPanel kpis={kpis.data} error={kpis.error} range={kpiRange} setRange={setKpiRange} />
    </div>
  );
}

function AlarmActions(p: { alarm: Alarm; onDone: () => void }) {
  const a = p.alarm;
  const [text, setText] = useState({ ack: "", reason: "", comment: "", assignee: a.assignee, fault: "", oos: "" });
  const [shelveS, setShelveS] = useState<string>("3600");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const run = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      setMessage({ ok: true, text: `${what}: done.` });
      p.onDone();
    } catch (e) {
      setMessage({ ok: false, text: `${what} refused: ${(e as Error).message}` });
    }
  };
  const input = (name: keyof typeof text, label: string, required = false) => (
    <label>
      {label}
      <input value={text[name]} required={required} onInput={(e) => setText({ ...text, [name]: e.currentTarget.value })} />
    </label>
  );
  const form = (label: string, onSubmit: () => Promise<unknown>, children: preact.ComponentChildren, testid: string) => (
    <form
      data-testid={testid}
      onSubmit={(e) => {
        e.preventDefault();
        run(label, onSubmit);
      }}
    >
      {children}
      <button type="submit">{label}</button>
    </form>
  );
  const acknowledgeable = a.state === "unack_active" || a.state === "unack_rtn" || a.state === "latched_unack";
  return (
    <section class="panel actions" aria-labelledby="act-title" data-testid="alarm-actions">
      <h3 id="act-title">
        #{a.id} {pointText(a.point)} — {a.state.replace(/_/g, " ")}
      </h3>
      {message ? (
        <p class={message.ok ? "ok" : "error"} role="status">
          {message.text}
        </p>
      ) : null}
      <div class="action-grid">
        {acknowledgeable
          ? form("Acknowledge", () => api.acknowledge(a.id, text.ack), input("ack", "Comment (optional)"), "ack-form")
          : <p class="muted small">Acknowledged already.</p>}
        {a.shelved
          ? form("Unshelve", () => api.unshelve(a.id), null, "unshelve-form")
          : form(
              "Shelve",
              () => api.shelve(a.id, shelveS === "once" ? null : Number(shelveS), text.reason),
              <>
                <label>
                  For
                  <select value={shelveS} onChange={(e) => setShelveS(e.currentTarget.value)} name="duration">
                    {SHELVE_CHOICES.map(([label, s]) => (
                      <option value={s === null ? "once" : String(s)}>{label}</option>
                    ))}
                  </select>
                </label>
                {input("reason", "Reason", true)}
              </>,
              "shelve-form",
            )}
        {form("Comment", () => api.comment(a.id, text.comment), input("comment", "Comment", true), "comment-form")}
        {form("Assign", () => api.assign(a.id, text.assignee), input("assignee", "Assignee", true), "assign-form")}
        {a.work === "assigned"
          ? form("Resolve", () => api.resolve(a.id, text.fault), input("fault", "Fault found", true), "resolve-form")
          : null}
        {form(
          a.out_of_service ? "Return to service" : "Take out of service",
          () => api.outOfService(a.id, !a.out_of_service, text.oos),
          input("oos", "Reason", true),
          "oos-form",
        )}
      </div>
    </section>
  );
}

function KpiPanel(p: { kpis: Kpis | null; error: string | null; range: number; setRange: (ms: number) => void }) {
  const k = p.kpis;
  const span = k ? k.to_ms - k.from_ms : 1;
  return (
    <section class="panel" aria-labelledby="kpi-title" data-testid="alarm-kpis" data-series={k ? JSON.stringify(k) : undefined}>
      <header class="panel-head">
        <h2 id="kpi-title">Alarm system KPIs (whole plant)</h2>
        <div class="toolbar" role="group" aria-label="KPI range">
          {KPI_RANGES.map(([label, ms]) => (
            <button type="button" aria-pressed={p.range === ms} onClick={() => p.setRange(ms)}>
              {label}
            </button>
          ))}
        </div>
      </header>
      <ErrorLine error={p.error} />
      {k ? (
        <>
          <dl class="kpis">
            <dt>Annunciations</dt>
            <dd>{k.annunciations}</dd>
            <dt>Per 10 min (average / peak)</dt>
            <dd>
              {num(k.average_per_10_min, 2)} / {k.peak_per_10_min} <span class="muted small">(target about 1, at most 2)</span>
            </dd>
            <dt>Floods</dt>
            <dd>
              {k.floods.length}, {num((100 * k.flood_time_ms) / span, 1)} % of the time{" "}
              <span class="muted small">(target &lt; 1 %)</span>
            </dd>
            <dt>Chattering alarms</dt>
            <dd>
              {k.chattering.length} <span class="muted small">(target 0)</span>
            </dd>
            <dt>Standing (&gt; 24 h)</dt>
            <dd>
              {k.standing.length} <span class="muted small">(target &lt; 5)</span>
            </dd>
            <dt>Top 10 share</dt>
            <dd>
              {num(100 * k.top10_share, 1)} % <span class="muted small">(target 1–5 %)</span>
            </dd>
          </dl>
          {k.chattering.length ? (
            <p class="small">Chattering: {k.chattering.map((c) => `${pointText(c.point)} (${c.count})`).join(", ")}</p>
          ) : null}
          {k.standing.length ? (
            <p class="small">Standing: {k.standing.map((s) => `#${s.alarm_id} ${pointText(s.point)} since ${utc(s.start_ms)}`).join(", ")}</p>
          ) : null}
          {k.top10.length ? <p class="small">Most frequent: {k.top10.map((c) => `${pointText(c.point)} (${c.count})`).join(", ")}</p> : null}
        </>
      ) : null}
    </section>
  );
}
