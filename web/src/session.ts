import { ApiError, csrfToken, get, onSessionLost, post, type Me } from "./api";

// Who is signed in. The rt_csrf cookie is readable by script and set together with the session cookie,
// so a visitor without it skips the /api/me round trip (and its 401) on every load.
let me: Me | null = null;
const listeners = new Set<(me: Me | null) => void>();

export const currentUser = (): Me | null => me;

export function onSessionChange(listener: (me: Me | null) => void): void {
  listeners.add(listener);
}

// Tabs of one browser share the session cookie: when one signs in, out or as someone else, the others must
// know, or a tab still showing one person would act as another. Each change is written where other tabs hear it.
const SESSION_KEY = "reeltime-session";
const elsewhere = new Set<() => void>();

/** Called when another tab of this browser signed in, out, or as someone else, after this tab caught up. */
export function onSessionChangedElsewhere(listener: () => void): void {
  elsewhere.add(listener);
}

function set(value: Me | null): void {
  me = value;
  try { localStorage.setItem(SESSION_KEY, String(value?.id ?? 0)); } catch { /* storage may be off: tabs then learn at their next 401 */ }
  for (const l of listeners) l(me);
}

window.addEventListener("storage", (e) => {
  if (e.key !== SESSION_KEY || e.newValue === String(me?.id ?? 0)) return;
  // If this tab cannot ask (offline), it keeps what it knows: its next request answers 401 if that is over.
  void loadSession().catch(() => {}).finally(() => { for (const l of elsewhere) l(); });
});

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

/** Ends the session on the server; if the server cannot be reached the person is still signed in, and is told so. */
export async function signOut(): Promise<void> {
  try {
    await post("/api/auth/logout");
  } catch (e) {
    // 401: the session had already ended. Anything else (offline, a server error): it has not.
    if (!(e instanceof ApiError && e.status === 401)) throw e;
  }
  set(null);
}

export function refresh(value: Me): void { set(value); }

// A 401 while signed in: the session ended elsewhere. The page shows the signed-out state at once rather
// than a Profile link and actions that all fail.
onSessionLost(() => { if (me) set(null); });
