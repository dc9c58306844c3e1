// One asset: trends (velocity over its ISO zones, health, RUL with its interval), what the edge thinks is
// wrong and why (fault probabilities, spectra with defect markers, the waterfall, the decisions), what to do
// (the twin's prescriptive part) and what a change of load or speed would do (what-if).
import { useEffect, useState } from "preact/hooks";
import {
  ApiError,
  M,
  api,
  latest,
  type Alarm,
  type AssetState,
  type AuditEntry,
  type MetricValue,
  type Principal,
  type Twin,
  type WhatIfAnswer,
} from "../api";
import { SpectrumChart } from "../charts/SpectrumChart";
import { TimeChart } from "../charts/TimeChart";
import { Waterfall, type WaterfallItem } from "../charts/Waterfall";
import { AlertBadge, ErrorLine, Ne107, ZoneBadge, Head } from "../components";
import { useClock, useLive, useLoad } from "../hooks";
import { eventAssetId } from "../live";
import { hoursLeft, num, percent, utc } from "../logic/format";
import { decodeSpectrumBase64, type Spectrum } from "../logic/spectrum";
import { defectScores, mergeMetrics } from "../logic/state";
import { ISO_LIMITS, ZONE_MEANING, recogniseClass, zoneOf, type Zone, type ZoneLimits } from "../logic/zones";
import { vigil } from "../testing";
import { alarmsOrNone } from "./Fleet";

const RANGES: [string, number][] = [
  ["6 h", 6 * 3600e3],
  ["24 h", 24 * 3600e3],
  ["7 d", 7 * 86400e3],
  ["30 d", 30 * 86400e3],
];
const WATERFALL_SPECTRA = 12;

interface Decision {
  ts_ms: number;
  action: string;
  reason: string;
  source: string;
}
// Decisions seen in this browser session per asset (the store keeps only the latest text).
const seenDecisions = new Map<number, Decision[]>();

function remember(id: number, state: AssetState): Decision[] {
  const list = seenDecisions.get(id) ?? [];
  const reason = latest<string>(state, M.reason);
  const action = latest<string>(state, M.action);
  if (reason && reason.value && !list.some((d) => d.ts_ms === reason.ts_ms))
    list.push({ ts_ms: reason.ts_ms, reason: String(reason.value), action: String(action?.value ?? "—"), source: "edge" });
  list.sort((a, b) => b.ts_ms - a.ts_ms);
  seenDecisions.set(id, list);
  return list;
}

async function twinOrNull(id: number): Promise<Twin | null> {
  try {
    return await api.twin(id);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

interface Evidence {
  spectrum: { ts_ms: number; decoded: ReturnType<typeof decodeSpectrumBase64> } | null;
  envelopes: { ts_ms: number; decoded: ReturnType<typeof decodeSpectrumBase64> }[];
}

async function loadEvidence(id: number): Promise<Evidence> {
  const [spec, env] = await Promise.all([api.evidence(id, M.spectrum, 1), api.evidence(id, M.envelope, WATERFALL_SPECTRA)]);
  const decode = (i: { ts_ms: number; data_base64: string }) => ({ ts_ms: i.ts_ms, decoded: decodeSpectrumBase64(i.data_base64) });
  return { spectrum: spec.items[0] ? decode(spec.items[0]) : null, envelopes: env.items.map(decode) };
}

export function AssetView(p: { id: number; user: Principal }) {
  const id = p.id;
  const asset = useLoad(() => api.asset(id), [id]);
  const [state, setState] = useState<AssetState | null>(null);
  const stateLoad = useLoad(
    () =>
      api.state(id).then((s) => {
        // A value an event brought may be newer than the store's answer: the newest of each metric stays.
        setState((prev) => (prev && prev.asset_id === id ? mergeMetrics(s, [...prev.numbers, ...prev.texts]) : s));
        vigil.loaded[`asset:${id}`] = Date.now();
        return s;
      }),
    [id],
  );
  const twin = useLoad(() => twinOrNull(id), [id]);
  const evidence = useLoad(() => loadEvidence(id), [id]);
  const alarms = useLoad(() => alarmsOrNone().then((a) => a.filter((x) => x.point.asset_id === id)), [id]);
  const audit = useLoad(() => api.decisionAudit(id, (alarms.data ?? []).map((a) => a.id)), [id, alarms.data]);
  const [rangeMs, setRangeMs] = useState(RANGES[1][1]);
  const [win, setWin] = useState(() => ({ from: Date.now() - RANGES[1][1], to: Date.now() }));
  const [refresh, setRefresh] = useState(0);
  // The newest sample's time: an edge whose clock runs ahead (a simulation in accelerated time, a clock not
  // yet synchronised) is still drawn: a window that ends at "now" moves on to end at its newest value.
  const latestMs = Math.max(0, ...(state?.numbers ?? []).map((v) => v.ts_ms));
  useEffect(() => {
    if (rangeMs > 0 && latestMs > win.to && latestMs > Date.now() && win.to >= Date.now() - 60_000)
      setWin({ from: latestMs - rangeMs, to: latestMs });
  }, [latestMs]);

  const mine = (e: { type: string; data: Record<string, unknown> }) => eventAssetId(e as never) === id;
  // Values first, at once: an event with metrics is applied without a round trip.
  useLive(
    mine,
    () => {
      const d = vigil.live.last?.data as { metrics?: MetricValue[] } | undefined;
      if (d?.metrics && Array.isArray(d.metrics)) setState((s) => (s ? mergeMetrics(s, d.metrics!) : s));
      stateLoad.reload();
    },
    100,
  );
  useLive(mine, () => (twin.reload(), setRefresh((r) => r + 1)), 2000);
  useLive(mine, evidence.reload, 5000);
  useLive((e) => e.type.startsWith("alarm") && mine(e), alarms.reload, 1000);
  // Values the hub stores without an event still show within 15 s.
  const tick = useClock(15_000);
  useEffect(() => {
    if (state) stateLoad.reload();
  }, [tick]);

  const a = asset.data;
  if (!a) return asset.error ? <ErrorLine error={asset.error} /> : <p aria-busy="true">Loading asset {id}…</p>;
  const t = twin.data;
  const limits: ZoneLimits | null =
    t?.descriptive.iso.limits_mm_s ?? ISO_LIMITS[recogniseClass(t?.descriptive.iso.machine_class ?? a.machine_class) ?? ""] ?? null;
  const velocity = latest<number>(state, M.velocity)?.value as number | null | undefined;
  const zone = (latest<string>(state, M.zone)?.value as string | null) ?? (limits && velocity != null ? zoneOf(velocity, limits) : null);
  const decisions = state ? remember(id, state) : (seenDecisions.get(id) ?? []);

  const chooseRange = (ms: number) => {
    setRangeMs(ms);
    const now = Math.max(Date.now(), latestMs);
    setWin({ from: ms > 0 ? now - ms : a.first_seen_ms, to: now });
  };

  return (
    <div class="asset" data-testid="asset-view" data-asset-id={id}>
      {/* data-updated-ms: the newest value shown (its edge source time), what a latency benchmark reads. */}
      <section class="panel asset-head" data-testid="asset-header" data-updated-ms={latestMs}>
        <h2>
          {a.device_id} <span class="muted">#{a.id}</span>
        </h2>
        <p>
          {a.location || "—"} · bearing {a.bearing || "—"} · {a.machine_class || "machine class not set"} · criticality{" "}
          {a.criticality || "not rated"} · {a.group_id}/{a.node_id} · {a.online ? "online" : `offline since ${utc(a.stale_since_ms)}`}
        </p>
        <p class="badges">
          <Ne107 value={(latest<string>(state, M.ne107)?.value as string | null) ?? null} />
          <AlertBadge level={(latest<string>(state, M.alert)?.value as string | null) ?? null} />
          <ZoneBadge zone={zone} />
          <span>velocity {num(velocity, 2, "mm/s")}</span>
          {zone && zone in ZONE_MEANING ? <span class="muted"> ({ZONE_MEANING[zone as Zone]})</span> : null}
        </p>
        <p class="decision" data-testid="asset-decision">
          <strong>{(latest<string>(state, M.action)?.value as string | null) ?? "no decision yet"}</strong>
          {latest<string>(state, M.reason)?.value ? ` — ${latest<string>(state, M.reason)!.value}` : ""}
        </p>
        <ErrorLine error={stateLoad.error} />
      </section>

      <div class="toolbar" role="group" aria-label="Time range of the trends">
        {RANGES.map(([label, ms]) => (
          <button type="button" aria-pressed={rangeMs === ms} onClick={() => chooseRange(ms)}>
            {label}
          </button>
        ))}
        <button type="button" aria-pressed={rangeMs === 0} onClick={() => chooseRange(0)}>
          Since first seen
        </button>
      </div>

      <div class="grid">
        <TimeChart
          testid="velocity-chart"
          title="Velocity RMS over the ISO zones"
          assetId={id}
          mode="minmax"
          metrics={[M.velocity]}
          unit="mm/s"
          from={win.from}
          to={win.to}
          zones={limits}
          refresh={refresh}
          latestMs={latestMs}
        />
        <TimeChart
          testid="health-chart"
          title="Health index"
          assetId={id}
          mode="minmax"
          metrics={[M.health]}
          unit="0–1"
          from={win.from}
          to={win.to}
          yRange={[0, 1.05]}
          refresh={refresh}
          latestMs={latestMs}
        />
        <TimeChart
          testid="rul-chart"
          title="Remaining useful life (median, 80 % interval)"
          assetId={id}
          mode="interval"
          metrics={[M.rulMedian, M.rulLow, M.rulHigh]}
          unit="h"
          from={win.from}
          to={win.to}
          refresh={refresh}
          latestMs={latestMs}
        />
        <FaultPanel state={state} twin={t} />
      </div>

      <div class="grid">
        <SpectrumPanel testid="spectrum-chart" title="Velocity spectrum" item={evidence.data?.spectrum ?? null} />
        <SpectrumPanel testid="envelope-chart" title="Envelope spectrum" item={evidence.data?.envelopes[0] ?? null} />
      </div>
      <ErrorLine error={evidence.error} />
      <Waterfall
        testid="waterfall"
        items={(evidence.data?.envelopes ?? [])
          .filter((e) => e.decoded.ok)
          .map((e) => ({ ts_ms: e.ts_ms, spectrum: (e.decoded as { spectrum: Spectrum }).spectrum }) as WaterfallItem)}
      />

      <div class="grid">
        <Prescriptive twin={t} error={twin.error} />
        <WhatIf id={id} twin={t} />
      </div>
      <DecisionHistory decisions={decisions} alarms={alarms.data ?? []} audit={audit.data ?? []} />
    </div>
  );
}

function FaultPanel(p: { state: AssetState | null; twin: Twin | null }) {
  const cls = (latest<string>(p.state, M.faultClass)?.value as string | null) ?? p.twin?.predictive.fault.class?.value ?? null;
  const conf = (latest<number>(p.state, M.faultConfidence)?.value as number | null) ?? p.twin?.predictive.fault.confidence?.value ?? null;
  const scores = defectScores(latest<string>(p.state, M.evidenceLines)?.value as string | null);
  // The classifier's confidence is a probability; each defect's evidence score is in dB (the mean SNR of its
  // harmonics in the envelope spectrum, docs/formats/uplink-records.md), drawn against 30 dB.
  const rows: [string, number, "probability" | "dB"][] = [];
  if (cls && conf !== null) rows.push([cls.replace(/_/g, " "), conf, "probability"]);
  for (const s of scores) rows.push([`${s.defect} evidence`, s.score, "dB"]);
  return (
    <section class="panel" aria-labelledby="fault-title" data-testid="fault-probabilities" data-series={JSON.stringify(rows)}>
      <h3 id="fault-title">Fault probabilities</h3>
      {rows.length === 0 ? <p class="muted">No fault estimate yet.</p> : null}
      <table class="bars">
        <tbody>
          {rows.map(([name, v, unit]) => (
            <tr>
              <th scope="row">{name}</th>
              <td>
                <meter min={0} max={unit === "dB" ? 30 : 1} value={Math.max(0, v)} aria-label={name} />
              </td>
              <td>{unit === "dB" ? `${num(v, 1)} dB` : percent(v)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.twin?.predictive.rul_trend ? (
        <p class="small">
          RUL falls {num(-p.twin.predictive.rul_trend.slope_h_per_h, 2)} h per hour
          {p.twin.predictive.rul_trend.accelerating ? " — accelerating: the damage grows faster than the clock runs" : ""}.
        </p>
      ) : null}
      {p.twin?.predictive.health_trend ? (
        <p class="small">
          Health index trend {num(p.twin.predictive.health_trend.slope_per_day, 3)} per day
          {p.twin.predictive.health_trend.zero_at_ms ? `, reaching 0 at ${utc(p.twin.predictive.health_trend.zero_at_ms)}` : ""}.
        </p>
      ) : null}
    </section>
  );
}

function SpectrumPanel(p: { testid: string; title: string; item: Evidence["spectrum"] }) {
  if (!p.item)
    return (
      <section class="panel" data-testid={p.testid} data-markers="[]">
        <h3>{p.title}</h3>
        <p class="muted">No spectrum yet: the edge sends one with every rise to warning or alarm.</p>
      </section>
    );
  if (!p.item.decoded.ok)
    return (
      <section class="panel" data-testid={p.testid} data-markers="[]">
        <h3>{p.title}</h3>
        <p class="error">Unreadable spectrum of {utc(p.item.ts_ms)}: {p.item.decoded.error}</p>
      </section>
    );
  return <SpectrumChart testid={p.testid} title={p.title} spectrum={p.item.decoded.spectrum} tsMs={p.item.ts_ms} />;
}

const SOURCE_TEXT: Record<string, string> = {
  edge_deadline: "edge decision deadline",
  rul_low_bound: "RUL low bound",
  health_trend: "health trend reaching 0",
};

function Prescriptive(p: { twin: Twin | null; error: string | null }) {
  const t = p.twin;
  const hours = (ms: number) => (ms - (t?.now_ms ?? Date.now())) / 3600e3;
  return (
    <section class="panel" aria-labelledby="presc-title" data-testid="prescriptive">
      <h3 id="presc-title">What to do</h3>
      <ErrorLine error={p.error} />
      {!t ? (
        <p class="muted">No twin for this asset from the hub.</p>
      ) : (
        <dl>
          <dt>Action</dt>
          <dd data-testid="prescriptive-action">{t.prescriptive.action?.value ?? "none"}</dd>
          <dt>Reason</dt>
          <dd>{t.prescriptive.reason?.value ?? "—"}</dd>
          <dt>Latest safe date</dt>
          <dd data-testid="latest-safe-date" data-ts-ms={t.prescriptive.latest_safe_date?.ts_ms ?? ""}>
            {t.prescriptive.latest_safe_date
              ? `${utc(t.prescriptive.latest_safe_date.ts_ms)} (${hoursLeft(hours(t.prescriptive.latest_safe_date.ts_ms))}, from the ${
                  SOURCE_TEXT[t.prescriptive.latest_safe_date.source] ?? t.prescriptive.latest_safe_date.source
                })`
              : "no date"}
          </dd>
          {t.prescriptive.candidates.length > 1 ? (
            <>
              <dt>Other dates</dt>
              <dd>
                <ul>
                  {t.prescriptive.candidates.map((c) => (
                    <li>
                      {utc(c.ts_ms)}: {SOURCE_TEXT[c.source] ?? c.source}
                    </li>
                  ))}
                </ul>
              </dd>
            </>
          ) : null}
          <dt>Spare part</dt>
          <dd>{t.prescriptive.spare_part ? `${t.prescriptive.spare_part.value} (from the ${t.prescriptive.spare_part.source})` : "none recorded"}</dd>
          <dt>RUL</dt>
          <dd>
            {num(t.predictive.rul_h.median?.value, 0, "h")} (80 %: {num(t.predictive.rul_h.low?.value, 0)}–{num(t.predictive.rul_h.high?.value, 0)} h)
          </dd>
        </dl>
      )}
    </section>
  );
}

function WhatIf(p: { id: number; twin: Twin | null }) {
  const [form, setForm] = useState({ load_kn: "", new_load_kn: "", speed_rpm: "", new_speed_rpm: "" });
  const [answer, setAnswer] = useState<WhatIfAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const speedNow = p.twin?.what_if.speed_rpm?.value;
  const field = (name: keyof typeof form, label: string, placeholder = "") => (
    <label>
      {label}
      <input
        type="number"
        step="any"
        min="0"
        inputMode="decimal"
        name={name}
        value={form[name]}
        placeholder={placeholder}
        required={name === "load_kn"}
        onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })}
      />
    </label>
  );
  const submit = async (e: Event) => {
    e.preventDefault();
    const n = (s: string) => (s.trim() === "" ? undefined : Number(s));
    try {
      setAnswer(
        await api.whatIf(p.id, {
          load_kn: Number(form.load_kn),
          new_load_kn: n(form.new_load_kn),
          speed_rpm: n(form.speed_rpm),
          new_speed_rpm: n(form.new_speed_rpm),
        }),
      );
      setError(null);
    } catch (err) {
      setAnswer(null);
      setError((err as Error).message);
    }
  };
  const r = answer?.rul_h;
  return (
    <section class="panel" aria-labelledby="whatif-title">
      <h3 id="whatif-title">What if: load and speed → life</h3>
      <p class="small muted">
        Bearing {p.twin?.what_if.bearing || "—"}
        {p.twin?.what_if.load_rating ? `, C = ${p.twin.what_if.load_rating.dynamic_kn} kN` : ""}. ISO 281 rating life; the measured RUL
        scaled by the same ratio.
      </p>
      <form class="whatif" onSubmit={submit} data-testid="whatif-form">
        {field("load_kn", "Load today, kN")}
        {field("new_load_kn", "New load, kN", "unchanged")}
        {field("speed_rpm", "Speed today, rpm", speedNow ? String(speedNow) : "the asset's")}
        {field("new_speed_rpm", "New speed, rpm", "unchanged")}
        <button type="submit">Compute</button>
      </form>
      <ErrorLine error={error} />
      {answer ? (
        <dl data-testid="whatif-result" data-life-ratio={answer.life_ratio}>
          <dt>Life ratio</dt>
          <dd>× {answer.life_ratio.toPrecision(3)}</dd>
          <dt>L10 rating life</dt>
          <dd>
            {num(answer.l10_h, 0, "h")} → {num(answer.new_l10_h, 0, "h")}
          </dd>
          <dt>Remaining life</dt>
          <dd>
            {r?.median
              ? `${num(r.median.measured, 0, "h")} → ${num(r.median.revised, 0, "h")} (80 %: ${num(r.low?.revised, 0)}–${num(r.high?.revised, 0)} h)`
              : "no RUL estimate: rating life only"}
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

function DecisionHistory(p: { decisions: Decision[]; alarms: Alarm[]; audit: AuditEntry[] }) {
  const rows = [
    ...p.decisions.map((d) => ({ ts: d.ts_ms, what: d.action, why: d.reason, who: d.source })),
    ...p.alarms.map((a) => ({ ts: a.activated_ms, what: `alarm ${a.point.definition} (${a.state.replace(/_/g, " ")})`, why: a.detail, who: "hub" })),
    ...p.audit.map((e) => ({ ts: e.ts_ms, what: e.action, why: e.detail, who: e.actor })),
  ].sort((x, y) => y.ts - x.ts);
  return (
    <section class="panel" aria-labelledby="history-title" data-testid="decision-history">
      <h3 id="history-title">Decisions and alarms</h3>
      {rows.length === 0 ? <p class="muted">No decision yet.</p> : null}
      <table class="small">
        <Head cols={["time", "what", "why", "by"]} />
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>{utc(r.ts)}</td>
              <td>{r.what}</td>
              <td>{r.why || "—"}</td>
              <td>{r.who}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
