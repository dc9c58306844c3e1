// One evidence spectrum with its defect-frequency markers (shaft, BPFO, BPFI, BSF, FTF and harmonics). A
// marker is a vertical line labelled with its name; hovering near one names it with its frequency and SNR.
// The element's data-markers holds the plotted markers (kind, harmonic, frequency, SNR, detected).
import { useMemo, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { utc } from "../logic/format";
import { frequencies, lineLabel, nearestLine, type DefectLine, type Spectrum } from "../logic/spectrum";
import { vigil } from "../testing";
import { UPlot } from "./UPlot";

export const LINE_COLOUR: Record<string, string> = {
  shaft: "#555555",
  BPFO: "#b5179e",
  BPFI: "#d35400",
  BSF: "#1b7f3b",
  FTF: "#1f4e99",
};

export function markerText(l: DefectLine): string {
  return `${lineLabel(l)} ${l.frequency_hz.toFixed(1)} Hz, SNR ${l.snr_db.toFixed(1)} dB${l.detected ? ", detected" : ""}`;
}

export function SpectrumChart(p: { testid: string; title: string; spectrum: Spectrum; tsMs: number }) {
  const s = p.spectrum;
  const unit = s.kind === "velocity_mm_s" ? "mm/s" : "g²";
  const [hover, setHover] = useState<DefectLine | null>(null);
  const lines = useRef(s.lines);
  lines.current = s.lines;
  const data = useMemo<uPlot.AlignedData>(() => [Array.from(frequencies(s)), Array.from(s.amplitude)], [s]);
  const markers = s.lines.map((l) => ({
    kind: l.kind,
    harmonic: l.harmonic,
    frequency_hz: l.frequency_hz,
    snr_db: l.snr_db,
    detected: l.detected,
  }));
  vigil.charts[p.testid] = {
    series: { kind: s.kind, bins: s.amplitude.length, bin_hz: s.bin_hz, first_bin_hz: s.first_bin_hz, ts_ms: p.tsMs },
    markers,
  };

  const options = (width: number): uPlot.Options => ({
    width,
    height: 240,
    scales: { x: { time: false } },
    series: [{ label: "Hz" }, { label: unit, stroke: "#222", width: 1 }],
    axes: [{ label: "Hz" }, { label: unit, size: 60 }],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { show: false },
    hooks: {
      draw: [
        (u) => {
          const ctx = u.ctx;
          const { top, height } = u.bbox;
          const px = uPlot.pxRatio;
          ctx.save();
          ctx.font = `${Math.round(11 * px)}px sans-serif`;
          ctx.textAlign = "left";
          ctx.textBaseline = "alphabetic";
          // Labels go in the first of 5 rows where they do not overlap the one before; else only the line.
          const rowEnd = [-Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
          for (const l of [...lines.current].sort((a, b) => a.frequency_hz - b.frequency_hz)) {
            const x = u.valToPos(l.frequency_hz, "x", true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = LINE_COLOUR[l.kind];
            ctx.lineWidth = (l.detected ? 2 : 1) * px;
            ctx.setLineDash(l.detected ? [] : [4 * px, 3 * px]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            const text = lineLabel(l);
            const row = rowEnd.findIndex((end) => end < x);
            if (row === -1) continue;
            const textW = ctx.measureText(text).width;
            rowEnd[row] = x + textW + 4 * px;
            const y = top + (12 + 12 * row) * px;
            ctx.fillStyle = "rgba(255, 255, 255, 0.85)";
            ctx.fillRect(x + 1 * px, y - 10 * px, textW + 2 * px, 12 * px);
            ctx.fillStyle = LINE_COLOUR[l.kind];
            ctx.fillText(text, x + 2 * px, y);
          }
          ctx.restore();
        },
      ],
      setCursor: [
        (u) => {
          const left = u.cursor.left;
          if (left === undefined || left < 0) return setHover(null);
          const hz = u.posToVal(left, "x");
          const hzPerPx = Math.abs(u.posToVal(left + 6, "x") - hz);
          setHover(nearestLine(lines.current, hz, hzPerPx));
        },
      ],
    },
  });

  return (
    <section class="panel" aria-labelledby={`${p.testid}-title`}>
      <header class="panel-head">
        <h3 id={`${p.testid}-title`}>{p.title}</h3>
        <span class="muted small">{utc(p.tsMs)}</span>
      </header>
      <p class="hover small" aria-live="polite" data-testid={`${p.testid}-hover`}>
        {hover ? markerText(hover) : "Hover a marker to name it; drag to zoom, double-click to reset."}
      </p>
      <UPlot
        testid={p.testid}
        label={`${p.title} with ${s.lines.length} defect-frequency markers`}
        options={options}
        data={data}
        height={240}
        series={vigil.charts[p.testid].series}
        markers={markers}
      />
      {s.lines.length ? (
        <details>
          <summary>Defect lines ({s.lines.filter((l) => l.detected).length} detected)</summary>
          <table class="small">
            <thead>
              <tr>
                <th scope="col">line</th>
                <th scope="col">Hz</th>
                <th scope="col">amplitude ({unit})</th>
                <th scope="col">SNR dB</th>
                <th scope="col">detected</th>
              </tr>
            </thead>
            <tbody>
              {s.lines.map((l) => (
                <tr>
                  <td>
                    <span class="swatch" style={{ background: LINE_COLOUR[l.kind] }} /> {lineLabel(l)}
                  </td>
                  <td>{l.frequency_hz.toFixed(2)}</td>
                  <td>{l.amplitude.toPrecision(3)}</td>
                  <td>{l.snr_db.toFixed(1)}</td>
                  <td>{l.detected ? "yes" : "no"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </section>
  );
}
