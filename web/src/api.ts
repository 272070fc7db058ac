// The server's HTTP API: JSON in and out, problem details on failure, and the CSRF header on every write
// (the session cookie authenticates the browser; the rt_csrf cookie's value proves the page is ours).

export interface Author { id: number; username: string; displayName: string | null }
export interface Counts { likes: number; comments: number; bookmarks: number; shares: number }
export interface Playback { hls: string | null; mp4: string }
export interface Video {
  id: number; status: string; statusReason: string | null; progress: number | null;
  caption: string; hashtags: string[]; mentions: string[]; visibility: string;
  author: Author; durationMs: number; width: number; height: number;
  counts: Counts; viewer: { liked: boolean; bookmarked: boolean }; createdAt: string;
  posterUrl?: string | null; playback?: Playback | null;
}
export interface Reason { code: string; text: string; source?: string | null; signals?: { name: string; value: number }[] | null }
export interface FeedItem { video: Video; reasons: Reason[] }
export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Me { id: number; username: string; displayName: string | null; bio: string | null; email: string | null; region: string; isPrivate: boolean; personalization: boolean; createdAt: string }
export interface Profile {
  id: number; username: string; displayName: string | null; bio: string | null; isPrivate: boolean;
  followerCount: number; followingCount: number; videoCount: number; relationship: string; isBlockedByMe: boolean; createdAt: string;
}
export interface Comment { id: number; videoId: number; parentId: number | null; author: Author; text: string; replyCount: number; createdAt: string }
export interface Interest { id: number; name: string; weight: number }
export interface Interests { hashtags: Interest[]; creators: Interest[]; notInterestedHashtags: Interest[]; notInterestedCreators: Interest[]; recentWatches: number }
export interface SearchResults { query: string; videos: Video[]; users: { id: number; username: string; displayName: string | null; followerCount: number }[]; hashtags: { name: string; videoCount: number }[] }

export class ApiError extends Error {
  constructor(public readonly status: number, message: string, public readonly errors?: Record<string, string[]>) { super(message); }
}

export function csrfToken(): string | null {
  const match = document.cookie.split("; ").find((c) => c.startsWith("rt_csrf="));
  return match ? decodeURIComponent(match.slice("rt_csrf=".length)) : null;
}

export function writeHeaders(json: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (json) headers["Content-Type"] = "application/json";
  const token = csrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  return headers;
}

/** What a person reads when a request never reached the server (status 0). */
export const OFFLINE = "You seem to be offline. Check the connection and try again.";

export async function problemOf(response: Response): Promise<ApiError> {
  let message = response.status >= 500
    ? "Something went wrong on our side. Try again in a moment."
    : `The server answered ${response.status}.`;
  let errors: Record<string, string[]> | undefined;
  try {
    const body = await response.json();
    if (body && typeof body.title === "string") message = body.title;
    if (body && body.errors && typeof body.errors === "object") {
      errors = body.errors;
      const first = Object.values(body.errors as Record<string, string[]>)[0];
      if (Array.isArray(first) && first.length && response.status === 400 && message.startsWith("One or more")) message = first[0];
    }
  } catch { /* not JSON: keep the generic message */ }
  return new ApiError(response.status, message, errors);
}

// Told when the server no longer knows the session (signed out in another tab, or expired).
let sessionLost: (() => void) | null = null;
export function onSessionLost(listener: () => void): void { sessionLost = listener; }

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const write = method !== "GET" && method !== "HEAD";
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: write ? writeHeaders(body !== undefined) : { Accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    // fetch rejects only when no answer came at all: the network, not the request, is at fault.
    throw new ApiError(0, navigator.onLine ? "Reeltime could not be reached. Check the connection and try again." : OFFLINE);
  }
  if (!response.ok) {
    if (response.status === 401) sessionLost?.();
    throw await problemOf(response);
  }
  if (response.status === 204 || response.headers.get("Content-Length") === "0") return undefined as T;
  const type = response.headers.get("Content-Type") ?? "";
  return (type.includes("json") ? await response.json() : undefined) as T;
}

export const get = <T>(url: string) => request<T>("GET", url);
export const post = <T>(url: string, body?: unknown) => request<T>("POST", url, body ?? {});
export const del = <T>(url: string) => request<T>("DELETE", url);
export const patch = <T>(url: string, body: unknown) => request<T>("PATCH", url, body);

export const q = encodeURIComponent;

/** Where a video plays from: the MP4 rendition when the media pipeline published one. */
export function playbackUrl(video: Video): string {
  return video.playback?.mp4 ?? `/api/videos/${video.id}/media/video.mp4`;
}
