import { useState } from "preact/hooks";
import { ApiError, api, type Principal } from "../api";

export function LoginView(p: { onLogin: (u: Principal) => void }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      p.onLogin(await api.login(user, password));
    } catch (err) {
      const status = err instanceof ApiError ? err.status : 0;
      setError(
        status === 401 ? "Wrong user name or password." : status === 429 ? "Too many attempts: wait and try again." : String((err as Error).message),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-title" data-testid="login-form">
        <h1 id="login-title">Vigil</h1>
        <label>
          User
          <input name="user" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required autoFocus />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
