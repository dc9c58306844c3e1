// Envelope spectra over time, oldest at the back: each one drawn as a trace shifted up and right, so a
// defect line that grows shows as a ridge. Drawn on a canvas; data-series lists the spectra drawn.
import { useEffect, useRef } from "preact/hooks";
import { utc } from "../logic/format";
import type { Spectrum } from "../logic/spectrum";
import { vigil } from "../testing";

export interface WaterfallItem {
  ts_ms: number;
  spectrum: Spectrum;
}

export function Waterfall(p: { testid: string; items: WaterfallItem[]; maxHz?: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const items = [...p.items].sort((a, b) => a.ts_ms - b.ts_ms);
  const truth = items.map((i) => ({
    ts_ms: i.ts_ms,
    bins: i.spectrum.amplitude.length,
    bin_hz: i.spectrum.bin_hz,
    peak: Math.max(...i.spectrum.amplitude),
  }));
  vigil.charts[p.testid] = { series: truth };

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const draw = () => {
      const ratio = window.devicePixelRatio || 1;
      const w = c.clientWidth;
      const h = 260;
      c.width = Math.round(w * ratio);
      c.height = Math.round(h * ratio);
      const ctx = c.getContext("2d")!;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, w, h);
      if (!items.length) return;
      const n = items.length;
      const skewX = Math.min(60, w * 0.15), rise = 120;
      const plotW = w - skewX - 130, base = h - 24, traceH = 100;
      const maxHz =
        p.maxHz ?? Math.max(...items.map((i) => i.spectrum.first_bin_hz + i.spectrum.bin_hz * i.spectrum.amplitude.length));
      const peak = Math.max(...truth.map((t) => t.peak), 1e-12);
      ctx.font = "11px sans-serif";
      items.forEach((item, j) => {
        const depth = n === 1 ? 0 : (n - 1 - j) / (n - 1); // newest in front
        const ox = 40 + skewX * depth, oy = base - rise * depth;
        const s = item.spectrum;
        ctx.beginPath();
        for (let k = 0; k < s.amplitude.length; k++) {
          const hz = s.first_bin_hz + k * s.bin_hz;
          if (hz > maxHz) break;
          const x = ox + (hz / maxHz) * plotW;
          const y = oy - (s.amplitude[k] / peak) * traceH;
          if (k === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
        ctx.lineTo(ox + plotW, oy);
        ctx.lineTo(ox, oy);
        ctx.closePath();
        ctx.fillStyle = "rgba(255,255,255,0.92)";
        ctx.fill();
        ctx.strokeStyle = j === n - 1 ? "#1f4e99" : "#555";
        ctx.lineWidth = j === n - 1 ? 1.5 : 1;
        ctx.stroke();
        ctx.fillStyle = "#222";
        ctx.fillText(utc(item.ts_ms).slice(5, 16), ox + plotW + 4, oy);
      });
      ctx.fillText("0 Hz", 40, h - 6);
      ctx.fillText(`${maxHz.toFixed(0)} Hz`, 40 + plotW - 40, h - 6);
    };
    draw();
    const ro = new ResizeObserver(draw);
    ro.observe(c);
    return () => ro.disconnect();
  }, [p.items, p.maxHz]);

  return (
    <section class="panel" aria-labelledby={`${p.testid}-title`}>
      <header class="panel-head">
        <h3 id={`${p.testid}-title`}>Envelope spectra over time</h3>
        <span class="muted small">{items.length} spectra</span>
      </header>
      {items.length ? (
        <canvas
          ref={canvas}
          class="waterfall"
          role="img"
          aria-label={`Waterfall of ${items.length} envelope spectra from ${utc(items[0].ts_ms)} to ${utc(items[items.length - 1].ts_ms)}`}
          data-testid={p.testid}
          data-series={JSON.stringify(truth)}
        />
      ) : (
        <p class="muted" data-testid={p.testid}>
          No envelope spectra yet: the edge sends them with every warning or alarm.
        </p>
      )}
    </section>
  );
}
