// A uPlot chart as a Preact component: created once, its data replaced in place, its width following the
// element's (ResizeObserver), destroyed on unmount.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { vigil } from "../testing";

export interface UPlotProps {
  options: (width: number) => uPlot.Options;
  data: uPlot.AlignedData;
  height: number;
  // Called after data or size changes; `keepScales` asks to keep the current zoom.
  keepScales?: boolean;
  onCreate?: (u: uPlot) => void;
  testid: string;
  series?: unknown;
  markers?: unknown;
  label: string;
}

export function UPlot(p: UPlotProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const started = useRef<number | null>(null);

  useEffect(() => {
    const el = box.current!;
    const width = Math.max(200, el.clientWidth);
    const options = p.options(width);
    // render_ms: from new data to the end of its drawing (what a benchmark of the charts reads).
    const drawn = () => {
      if (started.current === null) return;
      const truth = (vigil.charts[p.testid] ??= {});
      truth.render_ms = performance.now() - started.current;
      started.current = null;
    };
    options.hooks = { ...options.hooks, draw: [...(options.hooks?.draw ?? []), drawn] };
    started.current = performance.now();
    const u = new uPlot({ ...options, height: p.height }, p.data, el);
    plot.current = u;
    p.onCreate?.(u);
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height: p.height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    started.current = performance.now();
    plot.current?.setData(p.data, !p.keepScales);
  }, [p.data]);

  return (
    <div
      class="chart"
      ref={box}
      role="img"
      aria-label={p.label}
      data-testid={p.testid}
      data-series={p.series === undefined ? undefined : JSON.stringify(p.series)}
      data-markers={p.markers === undefined ? undefined : JSON.stringify(p.markers)}
    />
  );
}
