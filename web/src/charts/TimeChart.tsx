// A metric over time from the hub's downsampled series: one bucket per pixel (min, max, mean), re-read
// for the new window after every zoom or pan, so a 10,000-point series stays as light as the screen.
// Drag across the plot to zoom in; the buttons pan and zoom out (keyboard reachable).
import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { api, type Series } from "../api";
import { utc } from "../logic/format";
import { alignSeries, bucketColumns, pointsForWidth, requestRange, type Range } from "../logic/sizing";
import { zoneBands, type ZoneLimits } from "../logic/zones";
import { vigil } from "../testing";
import { UPlot } from "./UPlot";

export interface TimeChartProps {
  testid: string;
  title: string;
  assetId: number;
  // "minmax": one metric, its mean as a line over its min..max band. "interval": [median, low, high], the
  // median as a line over the low..high band.
  mode: "minmax" | "interval";
  metrics: string[];
  unit: string;
  from: number;
  to: number;
  zones?: ZoneLimits | null;
  yRange?: [number, number];
  refresh: number; // bumped by live updates: re-read (and follow "now" when the window ends there)
  latestMs?: number; // the newest sample's time: "now" for following when it is later than the clock
}

const ZONE_FILL: Record<string, string> = {
  A: "rgba(46, 139, 87, 0.16)",
  B: "rgba(154, 205, 50, 0.18)",
  C: "rgba(255, 165, 0, 0.20)",
  D: "rgba(220, 20, 60, 0.18)",
};

export function TimeChart(p: TimeChartProps) {
  const [win, setWin] = useState<Range>({ from: p.from, to: p.to });
  const [data, setData] = useState<uPlot.AlignedData>(() => [[], [], [], []]);
  const [error, setError] = useState<string | null>(null);
  const [truth, setTruth] = useState<Record<string, unknown>>({});
  const plot = useRef<uPlot | null>(null);
  const programmatic = useRef(false);
  const zones = useRef(p.zones);
  zones.current = p.zones;
  const winRef = useRef(win);
  winRef.current = win;
  const debounce = useRef<number | undefined>(undefined);

  useEffect(() => setWin({ from: p.from, to: p.to }), [p.from, p.to]);

  // A live update: follow "now" if the window ends within the last 2 % of its span.
  useEffect(() => {
    if (!p.refresh) return;
    const span = win.to - win.from;
    const now = Math.max(Date.now(), p.latestMs ?? 0);
    if (now - win.to < span * 0.02 + 60_000) setWin({ from: now - span, to: now });
    else setWin({ ...win });
  }, [p.refresh]);

  useEffect(() => {
    let cancelled = false;
    const width = plot.current ? plot.current.bbox.width / uPlot.pxRatio : 800;
    const points = pointsForWidth(width);
    Promise.all(p.metrics.map((m) => api.series(p.assetId, m, win.from, win.to, points)))
      .then((results: Series[]) => {
        if (cancelled) return;
        const cols: uPlot.AlignedData =
          p.mode === "minmax"
            ? bucketColumns(results[0].items, results[0].bucket_ms)
            : (alignSeries(results) as uPlot.AlignedData);
        const n = cols[0].length;
        const t = {
          metrics: p.metrics,
          from: win.from,
          to: win.to,
          points,
          bucket_ms: results[0].bucket_ms,
          n,
          last: n ? { x: cols[0][n - 1], y: cols[1][n - 1] } : null,
          zones: p.zones ?? null,
        };
        vigil.charts[p.testid] = { series: { ...t, columns: cols }, range: { from: win.from, to: win.to, points } };
        setTruth(t);
        setError(null);
        setData(cols);
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [win, p.assetId, p.metrics.join("|")]);

  // After the chart took the new data, show exactly the requested window.
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    programmatic.current = true;
    u.setScale("x", { min: win.from, max: win.to });
    programmatic.current = false;
  }, [data]);

  const move = (factorFrom: number, factorTo: number) => {
    const span = win.to - win.from;
    setWin(requestRange(win.from + span * factorFrom, win.to + span * factorTo));
  };

  const options = (width: number): uPlot.Options => ({
    width,
    height: 240,
    ms: 1,
    scales: {
      x: { time: true },
      y: {
        range: (_u, min, max) => {
          if (p.yRange) return p.yRange;
          const z = zones.current;
          const top = Math.max(Number.isFinite(max) ? max * 1.1 : 1, z ? z.cd * 1.25 : 0);
          return [Math.min(0, Number.isFinite(min) ? min : 0), top];
        },
      },
    },
    series: [
      {},
      { label: p.mode === "minmax" ? "mean" : "median", stroke: "#1f4e99", width: 2, spanGaps: true },
      { label: p.mode === "minmax" ? "min" : "low", stroke: "#8aa4cf", width: 1, spanGaps: true },
      { label: p.mode === "minmax" ? "max" : "high", stroke: "#8aa4cf", width: 1, spanGaps: true },
    ],
    bands: [{ series: [3, 2], fill: "rgba(31, 78, 153, 0.15)" }],
    axes: [{}, { label: p.unit, size: 60 }],
    cursor: { drag: { x: true, y: false, setScale: true } },
    hooks: {
      drawClear: [
        (u) => {
          const z = zones.current;
          if (!z) return;
          const ctx = u.ctx;
          const { left, top, width: w, height: h } = u.bbox;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, w, h);
          ctx.clip();
          ctx.font = `${Math.round(13 * uPlot.pxRatio)}px sans-serif`;
          ctx.textAlign = "left";
          ctx.textBaseline = "middle";
          for (const b of zoneBands(z, u.scales.y.max ?? 0)) {
            const y0 = u.valToPos(b.from, "y", true);
            const y1 = u.valToPos(b.to, "y", true);
            ctx.fillStyle = ZONE_FILL[b.zone];
            ctx.fillRect(left, y1, w, y0 - y1);
            ctx.fillStyle = "#222";
            const mid = Math.max(top + 10, Math.min(top + h - 10, (y0 + y1) / 2));
            ctx.fillText(`zone ${b.zone}`, left + w - 60 * uPlot.pxRatio, mid);
          }
          ctx.restore();
        },
      ],
      setScale: [
        (u, key) => {
          if (key !== "x" || programmatic.current) return;
          const { min, max } = u.scales.x;
          if (min === undefined || max === undefined) return;
          window.clearTimeout(debounce.current);
          debounce.current = window.setTimeout(() => {
            const w = winRef.current;
            if (Math.abs(min - w.from) > 1 || Math.abs(max - w.to) > 1) setWin(requestRange(min, max));
          }, 150);
        },
      ],
    },
  });

  return (
    <section class="panel" aria-labelledby={`${p.testid}-title`}>
      <header class="panel-head">
        <h3 id={`${p.testid}-title`}>{p.title}</h3>
        <div class="toolbar" role="group" aria-label={`${p.title}: pan and zoom`}>
          <button type="button" onClick={() => move(-0.5, -0.5)} aria-label="Pan back">◀</button>
          <button type="button" onClick={() => move(0.25, -0.25)} aria-label="Zoom in">+</button>
          <button type="button" onClick={() => move(-0.5, 0.5)} aria-label="Zoom out">−</button>
          <button type="button" onClick={() => move(0.5, 0.5)} aria-label="Pan forward">▶</button>
          <button type="button" onClick={() => setWin({ from: p.from, to: p.to })}>Reset</button>
        </div>
      </header>
      <p class="muted small">
        {utc(win.from)} – {utc(win.to)}
        {error ? <span class="error"> · {error}</span> : null}
      </p>
      <UPlot
        testid={p.testid}
        label={`${p.title}, ${utc(win.from)} to ${utc(win.to)}`}
        options={options}
        data={data}
        height={240}
        onCreate={(u) => (plot.current = u)}
        series={truth}
      />
      {p.zones ? (
        <p class="legend small">
          ISO zones (mm/s RMS): A &lt; {p.zones.ab} ≤ B &lt; {p.zones.bc} ≤ C &lt; {p.zones.cd} ≤ D
        </p>
      ) : null}
    </section>
  );
}
