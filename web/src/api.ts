// Every call to the hub's API (docs/hub-api.md, docs/openapi.yaml) and the shapes the dashboard reads.
// The dashboard is served by the hub, so the API is on the same origin.

const TOKEN_KEY = "vigil.token";
const USER_KEY = "vigil.user";

export type Role = "viewer" | "operator" | "admin";
export interface Principal {
  id: number;
  name: string;
  role: Role;
}
export interface Page<T> {
  items: T[];
  next: number | null;
}
export interface Site {
  id: number;
  name: string;
}
export interface Line {
  id: number;
  site_id: number;
  name: string;
}
export interface Asset {
  id: number;
  group_id: string;
  node_id: string;
  device_id: string;
  line_id: number | null;
  bearing: string;
  machine_class: string;
  criticality: number;
  location: string;
  spare_part: string;
  first_seen_ms: number;
  online: boolean;
  stale_since_ms: number | null;
}
export interface MetricValue<T = number | string | boolean | null> {
  metric: string;
  ts_ms: number;
  value: T;
}
export interface AssetState {
  asset_id: number;
  numbers: MetricValue<number | null>[];
  texts: MetricValue<string | null>[];
}
export interface Series {
  asset_id: number;
  metric: string;
  from_ms: number;
  to_ms: number;
  bucket_ms: number;
  items: { start_ms: number; min: number; max: number; mean: number; count: number }[];
}
export interface EvidenceItem {
  metric: string;
  ts_ms: number;
  data_base64: string;
}
// The node's own metrics (docs/formats/sparkplug.md, "Node metrics") ride along when the hub has them:
// either flat beside the session fields or in `metrics` keyed by metric name.
export interface EdgeNode {
  group_id: string;
  node_id: string;
  bd_seq: number;
  online: boolean;
  last_seen_ms: number;
  metrics?: Record<string, number | string | null>;
  [key: string]: unknown;
}
export interface AuditEntry {
  id: number;
  ts_ms: number;
  actor: string;
  action: string;
  target: string;
  detail: string;
}

// The twin (docs/formats/hub-twin.md); only the parts the dashboard reads are typed.
export interface Stamped<T> {
  value: T;
  ts_ms: number;
}
export interface DatedSource {
  ts_ms: number;
  source: string;
}
export interface Twin {
  asset: Partial<Asset> & { id: number; device_id: string };
  now_ms: number;
  has_data: boolean;
  descriptive: {
    online: boolean;
    stale_since_ms: number | null;
    ne107: Stamped<string> | null;
    iso: {
      machine_class: string;
      recognised: string | null;
      limits_mm_s: { ab: number; bc: number; cd: number } | null;
      velocity_rms_mm_s: Stamped<number> | null;
      zone: string | null;
      edge_zone: Stamped<string> | null;
    };
  };
  predictive: {
    health_index: Stamped<number> | null;
    health_trend: { points: number; slope_per_day: number; value_at_now: number; zero_at_ms: number | null } | null;
    fault: { class: Stamped<string> | null; confidence: Stamped<number> | null };
    rul_h: { median: Stamped<number> | null; low: Stamped<number> | null; high: Stamped<number> | null };
    rul_trend: { points: number; slope_h_per_h: number; value_at_now_h: number; accelerating: boolean } | null;
  };
  prescriptive: {
    action: Stamped<string> | null;
    reason: Stamped<string> | null;
    latest_safe_date: DatedSource | null;
    candidates: DatedSource[];
    spare_part: { value: string; source: string } | null;
  };
  what_if: {
    bearing: string;
    load_rating: { designation: string; dynamic_kn: number; fatigue_limit_kn: number | null } | null;
    speed_rpm: Stamped<number> | null;
  };
}
export interface WorkItem {
  rank: number;
  asset_id: number;
  device_id: string;
  criticality: number;
  urgency: number;
  latest_safe_date: DatedSource | null;
  hours_left: number | null;
  action: string;
  reason: string;
  spare_part: { value: string; source: string } | null;
  location: string;
}
export interface WorkList {
  now_ms: number;
  items: WorkItem[];
}
export interface WhatIfRequest {
  load_kn: number;
  new_load_kn?: number;
  speed_rpm?: number;
  new_speed_rpm?: number;
  bearing?: string;
}
export interface RevisedLife {
  measured: number;
  revised: number;
  ts_ms: number;
}
export interface WhatIfAnswer {
  bearing: string;
  load_kn: number;
  new_load_kn: number;
  speed_rpm: number;
  new_speed_rpm: number;
  l10_h: number;
  new_l10_h: number;
  life_ratio: number;
  basis: "measured_rul" | "rating_life_only";
  rul_h: { median: RevisedLife | null; low: RevisedLife | null; high: RevisedLife | null } | null;
}

// Alarms (docs/hub-alarms.md): the alarm instance's fields, snake_case.
export type AlarmState = "normal" | "unack_active" | "ack_active" | "unack_rtn" | "latched_unack" | "latched_ack";
export type Priority = "low" | "medium" | "high" | "urgent";
export interface AlarmPoint {
  definition: string;
  asset_id: number;
  node: string;
}
export interface Alarm {
  id: number;
  point: AlarmPoint;
  priority: Priority;
  state: AlarmState;
  condition: boolean;
  shelved: boolean;
  shelved_until_ms: number;
  out_of_service: boolean;
  suppressed_by_design: boolean;
  work: "unassigned" | "assigned" | "resolved";
  assignee: string;
  found_fault: string;
  opened_ms: number;
  activated_ms: number;
  changed_ms: number;
  condition_ms: number;
  activations: number;
  detail: string;
}
export interface AlarmEvent {
  alarm_id: number;
  point: AlarmPoint;
  priority: Priority;
  state: AlarmState;
  what: string;
  visible: boolean;
  ts_ms: number;
  actor: string;
}
export interface PointCount {
  point: AlarmPoint;
  count: number;
}
export interface Kpis {
  from_ms: number;
  to_ms: number;
  annunciations: number;
  average_per_10_min: number;
  peak_per_10_min: number;
  floods: { start_ms: number; end_ms: number; ongoing: boolean; annunciations: number }[];
  flood_time_ms: number;
  chattering: PointCount[];
  standing: { alarm_id: number; point: AlarmPoint; start_ms: number; end_ms: number }[];
  top10: PointCount[];
  top10_share: number;
}

// Metric names the edge publishes per asset (docs/formats/sparkplug.md, "Asset metrics").
export const M = {
  velocity: "Vibration/Velocity RMS mm/s",
  zone: "Vibration/ISO zone",
  health: "Health/Index",
  ne107: "Health/NE107",
  rulMedian: "RUL/Median h",
  rulLow: "RUL/Low h",
  rulHigh: "RUL/High h",
  alert: "Alert/Level",
  faultClass: "Fault/Class",
  faultConfidence: "Fault/Confidence",
  reason: "Decision/Reason",
  action: "Decision/Action",
  deadline: "Decision/Deadline",
  evidenceLines: "Evidence/Lines",
  spectrum: "Evidence/Spectrum",
  envelope: "Evidence/Envelope spectrum",
  speed: "Process/Speed rpm",
  baseline: "Baseline/Progress",
} as const;

// The live event types the dashboard listens to (an EventSource only hears the names it registers).
export const EVENT_TYPES = ["asset.updated", "asset.state", "asset.metrics", "alarm", "edge_node.updated", "decision"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  user: (): Principal | null => {
    const text = sessionStorage.getItem(USER_KEY);
    return text ? (JSON.parse(text) as Principal) : null;
  },
  set(token: string, user: Principal) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(f: () => void) {
  onUnauthorized = f;
}

type Query = Record<string, string | number | boolean | null | undefined>;

function url(path: string, query?: Query): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers: Record<string, string> = {};
  const token = session.token();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(url(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) return undefined as T;
  const text = await r.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: reported below */
  }
  if (!r.ok) {
    const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
    if (r.status === 401 && path !== "/api/v1/login") {
      session.clear();
      onUnauthorized();
    }
    throw new ApiError(r.status, e?.code ?? "http", e?.message ?? `${r.status} ${r.statusText}`);
  }
  return json as T;
}

const get = <T>(path: string, query?: Query) => call<T>("GET", path, undefined, query);
const post = <T>(path: string, body: unknown = {}) => call<T>("POST", path, body);
const seg = (s: string) => encodeURIComponent(s);

// Every page of a list, following `next` as the following page's `after` (at most `maxPages` pages).
async function all<T>(path: string, query: Query = {}, maxPages = 50): Promise<T[]> {
  const out: T[] = [];
  let after: number | null = 0;
  for (let i = 0; i < maxPages && after !== null; i++) {
    const page: Page<T> = await get<Page<T>>(path, { ...query, after: after || undefined, limit: 1000 });
    out.push(...page.items);
    after = page.next;
  }
  return out;
}

// An alarm point as `point: {definition, asset_id, node}`, also when the hub gives the three fields flat
// (as its webhook payload does).
export function withPoint<T extends { point?: AlarmPoint }>(x: T): T & { point: AlarmPoint } {
  if (x.point) return x as T & { point: AlarmPoint };
  const flat = x as unknown as Partial<AlarmPoint>;
  return { ...x, point: { definition: flat.definition ?? "", asset_id: flat.asset_id ?? 0, node: flat.node ?? "" } };
}

export const api = {
  async login(user: string, password: string): Promise<Principal> {
    const r = await call<{ token: string; expires_ms: number; user: Principal }>("POST", "/api/v1/login", {
      user,
      password,
    });
    session.set(r.token, r.user);
    return r.user;
  },
  async logout() {
    try {
      await post<void>("/api/v1/logout");
    } finally {
      session.clear();
    }
  },
  me: () => get<Principal>("/api/v1/me"),
  sites: () => all<Site>("/api/v1/sites"),
  lines: (siteId: number) => all<Line>(`/api/v1/sites/${siteId}/lines`),
  assets: () => all<Asset>("/api/v1/assets"),
  asset: (id: number) => get<Asset>(`/api/v1/assets/${id}`),
  series: (id: number, metric: string, from: number, to: number, points: number) =>
    get<Series>(`/api/v1/assets/${id}/series/${seg(metric)}`, { from, to, points }),
  state: (id: number) => get<AssetState>(`/api/v1/assets/${id}/state`),
  evidence: (id: number, metric: string, limit: number, before?: number) =>
    get<Page<EvidenceItem>>(`/api/v1/assets/${id}/evidence/${seg(metric)}`, { limit, before }),
  edgeNodes: () => all<EdgeNode>("/api/v1/edge-nodes"),
  audit: (after = 0, limit = 1000) => get<Page<AuditEntry>>("/api/v1/audit", { after: after || undefined, limit }),
  twin: (id: number) => get<Twin>(`/api/v1/assets/${id}/twin`),
  workList: (limit = 100, offset = 0) => get<WorkList>("/api/v1/work-list", { limit, offset }),
  whatIf: (id: number, req: WhatIfRequest) => post<WhatIfAnswer>(`/api/v1/assets/${id}/what-if`, req),

  // Every alarm not back to normal, shelved and out of service included (the views filter what they show).
  alarms: () => all<Alarm>("/api/v1/alarms", { hidden: true }).then((l) => l.map(withPoint)),
  alarm: (id: number) => get<Alarm>(`/api/v1/alarms/${id}`).then(withPoint),
  acknowledge: (id: number, comment: string) => post<Alarm>(`/api/v1/alarms/${id}/acknowledge`, { comment }),
  // durationS: a timed shelve; null: one-shot (until the condition clears).
  shelve: (id: number, durationS: number | null, reason: string) =>
    post<Alarm>(
      `/api/v1/alarms/${id}/shelve`,
      durationS === null ? { one_shot: true, reason } : { duration_s: durationS, reason },
    ),
  unshelve: (id: number) => post<Alarm>(`/api/v1/alarms/${id}/unshelve`),
  outOfService: (id: number, enabled: boolean, reason: string) =>
    post<Alarm>(`/api/v1/alarms/${id}/out-of-service`, { enabled, reason }),
  assign: (id: number, assignee: string) => post<Alarm>(`/api/v1/alarms/${id}/assign`, { assignee }),
  resolve: (id: number, foundFault: string) => post<Alarm>(`/api/v1/alarms/${id}/resolve`, { found_fault: foundFault }),
  comment: (id: number, text: string) => post<Alarm>(`/api/v1/alarms/${id}/comment`, { text }),
  kpis: (from: number, to: number, area?: string) =>
    get<Kpis>("/api/v1/alarms/kpis", { area, from, to }).then((k) => ({
      ...k,
      chattering: k.chattering.map(withPoint),
      standing: k.standing.map(withPoint),
      top10: k.top10.map(withPoint),
    })),

  // The asset's decisions: what the audit log holds about it and its alarms (admins only; others get []).
  async decisionAudit(assetId: number, alarmIds: number[]): Promise<AuditEntry[]> {
    if (session.user()?.role !== "admin") return [];
    const targets = new Set([`asset/${assetId}`, ...alarmIds.map((id) => `alarm/${id}`)]);
    const entries = await all<AuditEntry>("/api/v1/audit", {}, 20);
    return entries.filter((e) => targets.has(e.target));
  },

  eventsUrl: () => url("/api/v1/events", { token: session.token() }),
};

export function latest<T = number | string | null>(state: AssetState | null, metric: string): MetricValue<T> | null {
  if (!state) return null;
  const found = state.numbers.find((v) => v.metric === metric) ?? state.texts.find((v) => v.metric === metric);
  return (found as MetricValue<T> | undefined) ?? null;
}

// One of an edge node's metrics by its Sparkplug name ("Uplink/Backlog records"), from `metrics` or from a
// flat field named in snake case ("backlog_records", "uplink_backlog_records").
export function nodeMetric(n: EdgeNode, name: string): number | string | null {
  const fromMap = n.metrics?.[name];
  if (fromMap !== undefined) return fromMap;
  const snake = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");
  const short = snake.replace(/^[a-z]+_/, "");
  const v = n[snake] ?? n[short];
  return typeof v === "number" || typeof v === "string" ? v : null;
}
