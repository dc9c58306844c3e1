// The dashboard: hash routes (the hub serves one index.html), a header with the views and the live
// stream's state, the login when there is no token.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, session, setUnauthorizedHandler } from "./api";
import { connect, disconnect, onStatus } from "./live";
import "./style.css";
import { AlarmsView } from "./views/Alarms";
import { AssetView } from "./views/Asset";
import { EdgeView } from "./views/Edge";
import { FleetView } from "./views/Fleet";
import { LoginView } from "./views/Login";
import { PlannerView } from "./views/Planner";

function useHash(): string {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const f = () => setHash(location.hash || "#/");
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);
  return hash;
}

const NAV: [string, string][] = [
  ["#/", "Fleet"],
  ["#/alarms", "Alarms"],
  ["#/planner", "Planner"],
  ["#/edge", "Edge nodes"],
];

function App() {
  const hash = useHash();
  const [user, setUser] = useState(session.user());
  const [live, setLive] = useState(false);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      disconnect();
      setUser(null);
    });
    return onStatus(setLive);
  }, []);
  useEffect(() => {
    if (user) connect();
    return disconnect;
  }, [user]);
  // A token kept from earlier in this tab may have expired or its role changed: ask who it is.
  useEffect(() => {
    if (!user) return;
    api.me().then(
      (me) => {
        if (me.role !== user.role || me.name !== user.name) {
          session.set(session.token()!, me);
          setUser(me);
        }
      },
      () => {},
    );
  }, []);

  if (!user) return <LoginView onLogin={setUser} />;

  const path = hash.slice(1);
  const assetMatch = /^\/asset\/(\d+)/.exec(path);
  let view;
  if (assetMatch) view = <AssetView id={Number(assetMatch[1])} user={user} />;
  else if (path.startsWith("/alarms")) view = <AlarmsView user={user} />;
  else if (path.startsWith("/planner")) view = <PlannerView />;
  else if (path.startsWith("/edge")) view = <EdgeView />;
  else view = <FleetView />;

  const current = assetMatch ? "" : NAV.find(([h]) => h !== "#/" && hash.startsWith(h))?.[0] ?? "#/";
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <strong class="brand">Vigil</strong>
        <nav aria-label="Views">
          {NAV.map(([h, label]) => (
            <a href={h} aria-current={current === h ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`live ${live ? "on" : "off"}`} data-testid="live-status" role="status">
          {live ? "● Live" : "○ Reconnecting…"}
        </span>
        <span class="who">
          {user.name} ({user.role})
        </span>
        <button
          type="button"
          onClick={async () => {
            disconnect();
            await api.logout().catch(() => {});
            setUser(null);
          }}
        >
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {view}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
