import { ApiError, csrfToken, get, onSessionLost, post, type Me } from "./api";

// Who is signed in. The rt_csrf cookie is readable by script and set together with the session cookie,
// so a visitor without it skips the /api/me round trip (and its 401) on every load.
let me: Me | null = null;
const listeners = new Set<(me: Me | null) => void>();

export const currentUser = (): Me | null => me;

export function onSessionChange(listener: (me: Me | null) => void): void {
  listeners.add(listener);
}

function set(value: Me | null): void {
  me = value;
  for (const l of listeners) l(me);
}

export async function loadSession(): Promise<void> {
  if (!csrfToken()) return set(null);
  try {
    set(await get<Me>("/api/me"));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) set(null);
    else throw e;
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  await post("/api/auth/login", { username, password });
  set(await get<Me>("/api/me"));
}

export async function signUp(username: string, password: string, email: string | null): Promise<void> {
  await post("/api/auth/register", { username, password, email: email || null });
  await signIn(username, password);
}

export async function signOut(): Promise<void> {
  try { await post("/api/auth/logout"); } finally { set(null); }
}

export function refresh(value: Me): void { set(value); }

// A 401 while signed in: the session ended elsewhere. The page shows the signed-out state at once rather
// than a Profile link and actions that all fail.
onSessionLost(() => { if (me) set(null); });
