// Small pieces shared by the views: every state is shown as text beside its colour.
import { NE107_LETTER } from "./logic/fleet";

export function Ne107(p: { value: string | null }) {
  if (!p.value) return <span class="badge none">no status</span>;
  const letter = NE107_LETTER[p.value] ?? "?";
  return (
    <span class={`badge ne107-${letter}`} title={`NAMUR NE 107: ${p.value}`}>
      {letter} · {p.value}
    </span>
  );
}

export function ZoneBadge(p: { zone: string | null }) {
  if (!p.zone) return <span class="badge none">zone —</span>;
  return <span class={`badge zone-${p.zone}`}>zone {p.zone}</span>;
}

export function AlertBadge(p: { level: string | null }) {
  if (!p.level) return <span class="badge none">alert —</span>;
  return <span class={`badge alert-${p.level}`}>{p.level}</span>;
}

export function StateBadge(p: { state: string }) {
  return <span class={`badge state-${p.state}`}>{p.state.replace(/_/g, " ")}</span>;
}

export function ErrorLine(p: { error: string | null }) {
  return p.error ? (
    <p class="error" role="alert">
      {p.error}
    </p>
  ) : null;
}

export function Head(p: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {p.cols.map((c) => (
          <th scope="col">{c}</th>
        ))}
      </tr>
    </thead>
  );
}
