// Live updates: one EventSource on /api/v1/events for the whole page, reconnected with a growing delay when
// the hub closes it (restart, a client dropped for falling behind, an expired token). Views subscribe with
// `onEvent` and re-read what they show; after a reconnect every subscriber gets a "resync" event because
// events sent while disconnected are lost.
import { EVENT_TYPES, api, session } from "./api";
import { vigil } from "./testing";

export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}
type Handler = (e: LiveEvent) => void;
type StatusHandler = (connected: boolean) => void;

const handlers = new Set<Handler>();
const statusHandlers = new Set<StatusHandler>();
let source: EventSource | null = null;
let retryMs = 1000;
let timer: number | undefined;
let wasOpen = false;

function setStatus(connected: boolean) {
  vigil.live.connected = connected;
  for (const h of statusHandlers) h(connected);
}

function dispatch(e: LiveEvent) {
  vigil.live.events += 1;
  vigil.live.last = e;
  for (const h of handlers) h(e);
}

export function connect() {
  disconnect();
  if (!session.token()) return;
  const es = new EventSource(api.eventsUrl());
  source = es;
  es.onopen = () => {
    retryMs = 1000;
    setStatus(true);
    if (wasOpen) dispatch({ type: "resync", data: {} });
    wasOpen = true;
  };
  const onMessage = (m: MessageEvent) => {
    try {
      const parsed = JSON.parse(m.data) as { type?: string; data?: Record<string, unknown> };
      dispatch({ type: parsed.type ?? m.type, data: parsed.data ?? {} });
    } catch {
      /* a frame that is not JSON is not ours */
    }
  };
  es.onmessage = onMessage;
  for (const t of EVENT_TYPES) es.addEventListener(t, onMessage as EventListener);
  es.onerror = () => {
    setStatus(false);
    // The browser retries a dropped stream itself; a refused one (401, 5xx) is closed for good: retry here.
    if (es.readyState === EventSource.CLOSED && source === es) {
      source = null;
      timer = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30_000);
    }
  };
}

export function disconnect() {
  if (timer !== undefined) window.clearTimeout(timer);
  timer = undefined;
  source?.close();
  source = null;
  wasOpen = false;
  setStatus(false);
}

export function onEvent(h: Handler): () => void {
  handlers.add(h);
  return () => handlers.delete(h);
}

export function onStatus(h: StatusHandler): () => void {
  statusHandlers.add(h);
  h(vigil.live.connected);
  return () => statusHandlers.delete(h);
}

// The asset an event is about, if any: asset events carry the asset (id) or asset_id; alarm events a point.
export function eventAssetId(e: LiveEvent): number | null {
  const d = e.data;
  if (typeof d.asset_id === "number") return d.asset_id;
  const point = d.point as { asset_id?: number } | undefined;
  if (point && typeof point.asset_id === "number") return point.asset_id || null;
  if (e.type.startsWith("asset") && typeof d.id === "number") return d.id;
  return null;
}
