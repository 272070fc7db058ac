import { csrfToken, writeHeaders } from "./api";

// Watch telemetry, batched to POST /api/events. The engine learns from these, so they are what makes the
// For You feed visibly adapt.
export type EventType = "impression" | "play" | "progress" | "complete" | "replay" | "skip" | "share" | "not-interested";
export type Surface = "for-you" | "following" | "profile" | "hashtag" | "search";

interface WatchEvent { type: EventType; videoId: number; watchTimeMs: number; positionMs: number; clientTime: number; sessionId: number; surface: Surface }

const sessionId = 1 + Math.floor(Math.random() * 2 ** 40);
const FLUSH_MS = 4000;
const MAX_QUEUE = 50;
let queue: WatchEvent[] = [];
let timer = 0;

export function track(type: EventType, videoId: number, surface: Surface, watchTimeMs = 0, positionMs = 0): void {
  queue.push({ type, videoId, surface, watchTimeMs: Math.max(0, Math.round(watchTimeMs)), positionMs: Math.max(0, Math.round(positionMs)), clientTime: Date.now(), sessionId });
  // The end of a view (complete, skip, not-interested) is what the engine learns most from: send it soon,
  // so the next page the feed asks for already reflects it.
  const decisive = type === "complete" || type === "skip" || type === "not-interested";
  if (queue.length >= MAX_QUEUE) void flush(false);
  else if (decisive) { window.clearTimeout(timer); timer = window.setTimeout(() => flush(false), 200); }
  else if (!timer) timer = window.setTimeout(() => flush(false), FLUSH_MS);
}

/** Sends what is queued now. */
export function flush(leaving: boolean): Promise<void> {
  window.clearTimeout(timer);
  timer = 0;
  if (queue.length === 0) return Promise.resolve();
  const events = queue;
  queue = [];
  // As the page is hidden, navigator.sendBeacon is the delivery browsers guarantee. A beacon cannot set
  // headers, so it carries the CSRF token in its address (the server accepts that on this route only).
  // If the browser refuses the beacon (too large, or no beacon at all), fetch with keepalive takes over.
  if (leaving && typeof navigator.sendBeacon === "function") {
    const token = csrfToken();
    const url = token ? `/api/events?csrf=${encodeURIComponent(token)}` : "/api/events";
    try {
      if (navigator.sendBeacon(url, new Blob([JSON.stringify({ events })], { type: "application/json" }))) return Promise.resolve();
    } catch {
      // Some browsers refuse a JSON-typed beacon outright; keepalive below does the same job.
    }
  }
  return fetch("/api/events", {
    method: "POST",
    credentials: "same-origin",
    keepalive: leaving,
    headers: writeHeaders(true),
    body: JSON.stringify({ events }),
  }).then(
    (r) => { if (r.status >= 500 || r.status === 429) requeue(events); },
    () => requeue(events),
  );
}

function requeue(events: WatchEvent[]): void {
  // Keep a bounded backlog on transient failure; a client that cannot reach the server drops old events.
  queue = events.concat(queue).slice(-MAX_QUEUE * 4);
  if (!timer) timer = window.setTimeout(() => flush(false), FLUSH_MS * 2);
}

export function startTelemetry(): void {
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") void flush(true); });
  window.addEventListener("pagehide", () => void flush(true));
}

/**
 * Follows one view of one video: play, progress at each quarter, complete, replay (a loop after
 * completing) and skip (left within two seconds of starting).
 */
export class ViewTracker {
  private started = 0;
  private watched = 0;
  private lastTime = 0;
  private quarters = 0;
  private completed = false;
  private played = false;
  private impressed = false;

  constructor(private readonly videoId: number, private readonly surface: Surface) {}

  impression(): void {
    if (this.impressed) return;
    this.impressed = true;
    track("impression", this.videoId, this.surface);
  }

  play(position: number): void {
    if (!this.played) {
      this.played = true;
      this.started = performance.now();
      track("play", this.videoId, this.surface, 0, position * 1000);
    }
    this.lastTime = position;
  }

  time(position: number, duration: number): void {
    // Pausing a video that is left fires one more timeupdate: it belongs to no view.
    if (!this.played) return;
    const delta = position - this.lastTime;
    if (delta > 0 && delta < 1.5) this.watched += delta * 1000;
    // A looping video wraps from its end to its start: that completes the view, and begins a replay.
    if (delta < -0.5 && duration > 0 && this.lastTime > duration - 1) {
      this.complete(duration);
      track("replay", this.videoId, this.surface, this.watched, 0);
    }
    this.lastTime = position;
    if (!(duration > 0)) return;
    const quarter = Math.min(3, Math.floor((position / duration) * 4));
    while (this.quarters < quarter) {
      this.quarters++;
      track("progress", this.videoId, this.surface, this.watched, (duration * this.quarters * 1000) / 4);
    }
  }

  /** The video reached its end (a looping video fires no "ended": time() sees it wrap). */
  complete(duration: number): void {
    if (this.completed) return;
    this.completed = true;
    this.quarters = 4;
    track("complete", this.videoId, this.surface, this.watched, duration * 1000);
  }

  leave(): void {
    if (this.played && !this.completed && performance.now() - this.started < 2000) {
      track("skip", this.videoId, this.surface, this.watched, this.lastTime * 1000);
    }
    this.played = false;
    this.impressed = false;
    this.quarters = 0;
    this.completed = false;
    this.watched = 0;
  }
}
