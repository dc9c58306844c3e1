import { useEffect, useRef, useState } from "preact/hooks";
import { onEvent, type LiveEvent } from "./live";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

// Loads on mount and when `deps` change; reload() re-reads, keeping the old data on screen meanwhile.
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let cancelled = false;
    load()
      .then((d) => {
        if (!cancelled) {
          setData(d);
          setError(null);
        }
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}

// Calls `react` for every live event `matches` accepts (and after a reconnect), at once for the first and
// then at most every `minIntervalMs`, so a burst of events costs a few re-reads, not one per event.
export function useLive(matches: (e: LiveEvent) => boolean, react: () => void, minIntervalMs = 500) {
  const last = useRef(0);
  const pending = useRef<number | undefined>(undefined);
  const f = useRef({ matches, react });
  f.current = { matches, react };
  useEffect(() => {
    const off = onEvent((e) => {
      if (e.type !== "resync" && !f.current.matches(e)) return;
      const wait = last.current + minIntervalMs - Date.now();
      if (wait <= 0) {
        last.current = Date.now();
        f.current.react();
      } else if (pending.current === undefined) {
        pending.current = window.setTimeout(() => {
          pending.current = undefined;
          last.current = Date.now();
          f.current.react();
        }, wait);
      }
    });
    return () => {
      off();
      window.clearTimeout(pending.current);
    };
  }, []);
}

// Re-renders every `ms` (for "3 min ago" texts and silence that comes without an event).
export function useClock(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(t);
  }, [ms]);
  return now;
}
