import { ApiError, del, get, patch, post, problemOf, q, writeHeaders, type FeedItem, type Interests, type Me, type Page, type Profile, type SearchResults, type Video } from "./api";
import { arrowKeys, clear, formatCount, h, toast } from "./dom";
import { captionNodes } from "./caption";
import { deleteVideo, Feed, type FeedAction } from "./feed";
import { navigate } from "./router";
import { currentUser, refresh, signIn, signOut, signUp } from "./session";

/** The feed that is on screen, which keyboard shortcuts drive; null on other pages. */
export let activeFeed: Feed | null = null;

// For You stays alive while the viewer visits a profile, a hashtag or a setting, so that coming back (Back,
// or Home) finds the video they left rather than a new page: the engine will not serve those videos again.
// One feed is kept, for the same signed-in person, for the length of a session.
const KEEP_FOR_MS = 30 * 60 * 1000;
let kept: { path: string; feed: Feed; el: HTMLElement; userId: number | null; leftAt: number } | null = null;

export function leavePage(): void {
  if (activeFeed && kept?.feed === activeFeed) {
    activeFeed.suspend();
    kept.leftAt = Date.now();
  } else {
    activeFeed?.destroy();
  }
  activeFeed = null;
}

/** The feed kept for <path>, resumed once its element is back in the document; null when there is none to resume. */
function resumeKept(path: string): HTMLElement | null {
  const k = kept;
  if (k && k.path === path && k.userId === (currentUser()?.id ?? null) && Date.now() - k.leftAt < KEEP_FOR_MS) {
    activeFeed = k.feed;
    requestAnimationFrame(() => k.feed.resume());
    return k.el;
  }
  forgetKeptFeed();
  return null;
}

/** What For You showed no longer holds (personalisation switched, interests changed): the next visit starts afresh. */
function forgetKeptFeed(): void {
  kept?.feed.destroy();
  kept = null;
}

function keptFeedPage(path: string, feed: Feed, header: HTMLElement | null, title: string): HTMLElement {
  const el = feedPage(feed, header, title);
  kept = { path, feed, el, userId: currentUser()?.id ?? null, leftAt: Date.now() };
  return el;
}

// The Following feed is in time order, not ranked: each video is there because its creator is followed.
const followedItems = (page: Page<Video>): Page<FeedItem> => ({
  items: page.items.map((video) => ({ video, reasons: [{ code: "following", text: `From @${video.author.username}, whom you follow`, source: "following", signals: [] }] })),
  nextCursor: page.nextCursor,
});
const cursorPart = (cursor: string | null) => (cursor ? `&cursor=${q(cursor)}` : "");

function tabs(current: "for-you" | "following" | "again"): HTMLElement {
  const tab = (href: string, label: string, on: boolean, here = on) => h("a", { href, class: on ? "tab on" : "tab", "aria-current": here ? "page" : null }, label);
  // With personalisation off, For You says so where it is watched, not only in its "Why" sheet.
  const plain = current !== "following" && currentUser()?.personalization === false;
  // Watching again is For You over what one has seen: it says so, with the way back to new videos.
  const again = current === "again" ? h("a", { href: "/", class: "feed-mode" }, "Watching again: videos you have seen. Back to new ones") : null;
  return h("nav", { class: "feed-tabs", "aria-label": "Feeds" }, tab("/following", "Following", current === "following"), tab("/", "For You", current !== "following", current === "for-you"),
    again ?? (plain ? h("a", { href: "/settings", class: "feed-mode" }, "Not personalised: trending and new videos") : null));
}

function feedPage(feed: Feed, header: HTMLElement | null, title: string): HTMLElement {
  activeFeed = feed;
  void feed.start();
  // The heading names the page for screen readers and the tab's title; the video fills the screen.
  return h("section", { class: "feed-page" }, h("h1", { class: "visually-hidden" }, title), header, feed.el);
}

// The engine does not repeat what a viewer has seen lately, so a small server's For You comes to an end;
// from there the viewer may watch it all again (but what they skipped).
const CAUGHT_UP = "You're all caught up: you have seen every video here lately. New uploads will appear here.";
const WATCH_AGAIN: FeedAction = { label: "Watch again", href: "/again" };

export function forYouPage(): HTMLElement {
  const resumed = resumeKept("/");
  if (resumed) return resumed;
  const feed = new Feed((c) => get<Page<FeedItem>>(`/api/feed/for-you?count=8${cursorPart(c)}`), "for-you",
    currentUser() ? "You're all caught up: there is nothing here you have not seen lately. New uploads will appear here." : "Nothing new to show yet. New uploads will appear here, or upload one yourself.",
    CAUGHT_UP, WATCH_AGAIN, currentUser() ? WATCH_AGAIN : undefined);
  return keptFeedPage("/", feed, tabs("for-you"), "For You");
}

/** For You once more, over what the viewer has seen: everything but what they skipped comes back, once each. */
export function watchAgainPage(): HTMLElement {
  const resumed = resumeKept("/again");
  if (resumed) return resumed;
  const feed = new Feed((c) => get<Page<FeedItem>>(`/api/feed/for-you?count=8&again=true${cursorPart(c)}`), "for-you",
    "Nothing to watch again yet: the videos you have seen will be here.",
    "That is every video here again, but the ones you skipped. New uploads will appear in For You.", { label: "Back to For You", href: "/" });
  return keptFeedPage("/again", feed, tabs("again"), "Watch again");
}

export function followingPage(): HTMLElement {
  if (!currentUser()) return signInPrompt("Sign in to see videos from accounts you follow.");
  const feed = new Feed(async (c) => followedItems(await get<Page<Video>>(`/api/feed/following?count=8${cursorPart(c)}`)), "following",
    "Follow creators to see their videos here.", "That is every video from the accounts you follow.",
    { label: "Find creators in For You", href: "/" }, { label: "Find creators in For You", href: "/" });
  return feedPage(feed, tabs("following"), "Following");
}

/** One video (a shared link or a grid tile), then the For You feed after it. */
export async function videoPage(params: Record<string, string>): Promise<HTMLElement> {
  const gone = "This video is not available: it may have been deleted or made private.";
  // An address that names no video is not worth a request.
  if (!/^[1-9]\d{0,15}$/.test(params.id)) return notFound(gone);
  const id = Number(params.id);
  let video: Video | null = null;
  try {
    video = await get<Video>(`/api/videos/${id}`);
  } catch (e) {
    // A link to a video that is gone (deleted, private, never was) says so and offers For You (the feed's empty
    // state); anything else is a failure to load, worth a retry.
    if (!(e instanceof ApiError && e.status === 404)) return loadFailed((e as Error).message);
  }
  // Only its owner is shown a video that cannot play: say why rather than open a black player.
  if (video && video.status !== "ready") return unplayablePage(video);
  let first = true;
  const feed = new Feed(async (c) => {
    if (first) {
      first = false;
      if (!video) return { items: [], nextCursor: null };
      return { items: [{ video, reasons: [{ code: "link", text: "You opened a link to this video. The videos after it are your For You.", source: null, signals: [] }] }], nextCursor: "start" };
    }
    // For You follows the shared video, fetched only once the viewer moves on (Feed.nextWanted).
    if (c === "start") await feed.nextWanted();
    return get<Page<FeedItem>>(`/api/feed/for-you?count=8${c && c !== "start" ? `&cursor=${q(c)}` : ""}`);
  }, "for-you", gone, CAUGHT_UP, WATCH_AGAIN,
  { label: "Watch For You", href: "/" });
  return feedPage(feed, null, "Video");
}

/** The owner's own video that is still being made, or failed: what is happening, and a way to delete it. */
function unplayablePage(v: Video): HTMLElement {
  const section = h("section", { class: "page narrow" }, h("h1", { dir: "auto" }, v.caption || "Your video"));
  const status = h("p", { role: "status" }, tileStatus(v));
  const own = `/@${q(v.author.username)}`;
  const remove = h("button", { type: "button", class: "button danger" }, "Delete this video");
  remove.addEventListener("click", async () => { if (await deleteVideo(v)) navigate(own, true); });
  section.append(status, h("p", {}, h("a", { class: "button", href: own }, "Your profile"), " ", remove));
  if (v.status !== "failed" && v.status !== "rejected") {
    // Still being made: look again until it can play, then open it.
    const poll = window.setInterval(async () => {
      if (!section.isConnected) { window.clearInterval(poll); return; }
      try {
        const now = await get<Video>(`/api/videos/${v.id}`);
        if (now.status === "ready") { window.clearInterval(poll); navigate(`/video/${v.id}`, true); return; }
        Object.assign(v, now);
        status.textContent = tileStatus(v);
      } catch { /* the next look may succeed */ }
    }, 2000);
  }
  return section;
}

function signInPrompt(text: string): HTMLElement {
  return h("section", { class: "page narrow" }, h("h1", {}, "Reeltime"), h("p", {}, text),
    h("p", {}, h("a", { class: "button primary", href: `/signin?next=${q(location.pathname)}` }, "Sign in"), " ",
      h("a", { class: "button", href: `/signup?next=${q(location.pathname)}` }, "Sign up")));
}

/** What a tile says of a video that cannot play yet (or ever), in the owner's words. */
function tileStatus(v: Video): string {
  if (v.status === "failed") return `Could not be processed: ${v.statusReason ?? "no reason was given"}`;
  if (v.status === "rejected") return `Removed: ${v.statusReason ?? "no reason was given"}`;
  if (v.status === "processing") return `Processing… ${v.progress ?? 0}%`;
  return "Waiting to be processed";
}

function grid(load: (cursor: string | null) => Promise<Page<Video>>, empty: string, owner = false): HTMLElement {
  const list = h("ul", { class: "grid", "aria-label": "Videos" });
  const more = h("button", { type: "button", class: "button", hidden: true }, "Load more");
  let cursor: string | null = null;
  const pending = new Map<number, HTMLElement>();
  const render = (v: Video): HTMLElement => {
    const label = `${v.caption || "Video"} by @${v.author.username}`;
    const item = h("li", { "data-video-id": v.id });
    if (v.status === "ready") {
      const tile = h("a", { href: `/video/${v.id}`, class: "tile", "aria-label": label });
      if (v.posterUrl) tile.append(h("img", { src: v.posterUrl, alt: "", loading: "lazy", width: 180, height: 320 }));
      tile.append(h("span", { class: "tile-likes" }, `♥ ${formatCount(v.counts.likes)}`));
      item.append(tile);
    } else {
      // Nothing to play: the tile says why instead of linking to a black player.
      item.append(h("div", { class: `tile pending ${v.status}`, role: "group", "aria-label": label },
        h("span", { class: "tile-caption" }, v.caption || "Video"),
        h("span", { class: "tile-status" }, tileStatus(v))));
      if (v.status !== "failed" && v.status !== "rejected") pending.set(v.id, item);
    }
    if (owner && v.status !== "ready") item.append(deleteButton(v, () => {
      pending.delete(v.id);
      item.remove();
      if (!list.children.length) list.replaceWith(h("p", { class: "muted" }, empty));
    }));
    return item;
  };
  // Videos still being made are looked at again until they can play or have failed, so a tile left at
  // "Processing… 0%" does not stay so until a reload.
  let watching = 0;
  const watchPending = () => {
    if (watching || !pending.size) return;
    watching = window.setInterval(async () => {
      if (!list.isConnected || !pending.size) { window.clearInterval(watching); watching = 0; return; }
      for (const [id, item] of [...pending]) {
        try {
          const v = await get<Video>(`/api/videos/${id}`);
          if (!item.isConnected) { pending.delete(id); continue; }
          pending.delete(id);
          item.replaceWith(render(v));
        } catch { /* looked at again next time */ }
      }
    }, 3000);
  };
  const fill = async () => {
    const page = await load(cursor);
    for (const v of page.items) list.append(render(v));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    if (!list.children.length) list.replaceWith(h("p", { class: "muted" }, empty));
    watchPending();
  };
  // A load that fails (offline, a server error) says so where the videos would be, with a way to try
  // again from where it stopped, instead of a toast over an empty page.
  const failure = h("div", { class: "grid-failed", role: "alert", hidden: true });
  // Said only if the first page is slow to come, so a quick one does not flash it.
  const loading = h("p", { class: "grid-loading", role: "status", hidden: true }, "Loading…");
  const attempt = async () => {
    failure.hidden = true;
    more.disabled = true;
    list.setAttribute("aria-busy", "true");
    const slow = list.children.length ? 0 : window.setTimeout(() => { loading.hidden = false; }, 300);
    try {
      await fill();
    } catch (e) {
      const again = h("button", { type: "button", class: "button primary" }, "Try again");
      again.addEventListener("click", () => void attempt());
      failure.replaceChildren(h("p", {}, (e as Error).message), again);
      failure.hidden = false;
      more.hidden = true;
    } finally {
      window.clearTimeout(slow);
      loading.hidden = true;
      more.disabled = false;
      list.setAttribute("aria-busy", "false");
    }
  };
  more.addEventListener("click", () => void attempt());
  void attempt();
  return h("div", {}, list, loading, failure, more);
}

function deleteButton(v: Video, deleted: () => void): HTMLElement {
  const b = h("button", { type: "button", class: "tile-delete", "aria-label": `Delete ${v.caption ? `"${v.caption.slice(0, 40)}"` : "this video"}`, title: "Delete" }, "✕");
  b.addEventListener("click", async () => {
    if (!(await deleteVideo(v))) return;
    deleted();
  });
  return b;
}

export async function profilePage(params: Record<string, string>): Promise<HTMLElement> {
  const username = params.username;
  let profile: Profile;
  try {
    profile = await get<Profile>(`/api/users/${q(username)}`);
  } catch (e) {
    // Only a 404 means there is no such person; anything else is a failure to load, worth a retry.
    if (e instanceof ApiError && e.status === 404) return notFound((e as Error).message);
    return loadFailed((e as Error).message);
  }
  const me = currentUser();
  if (profile.isBlockedByMe) return blockedProfile(profile, params);
  const followers = h("strong", {}, formatCount(profile.followerCount));
  const followersWord = h("span", {}, profile.followerCount === 1 ? " Follower" : " Followers");
  const head = h("header", { class: "profile-head" },
    ...identity(profile),
    h("ul", { class: "stats" },
      h("li", {}, h("strong", {}, formatCount(profile.followingCount)), " Following"),
      h("li", {}, followers, followersWord),
      h("li", {}, h("strong", {}, formatCount(profile.videoCount)), profile.videoCount === 1 ? " Video" : " Videos")),
    profile.bio ? h("p", { class: "bio", dir: "auto" }, ...captionNodes(profile.bio)) : null);
  if (me && me.id !== profile.id) {
    // "requested": a private account has not answered yet; the follower count moves only once it does.
    let state = profile.relationship === "following" || profile.relationship === "requested" ? profile.relationship : "none";
    const button = h("button", { type: "button" });
    const render = () => {
      button.textContent = state === "following" ? "Following" : state === "requested" ? "Requested" : "Follow";
      button.className = state === "none" ? "button primary" : "button";
    };
    render();
    button.addEventListener("click", async () => {
      try {
        if (state === "none") {
          const r = await post<{ state: string }>(`/api/users/${q(username)}/follow`);
          state = r.state === "requested" ? "requested" : "following";
          if (state === "following") profile.followerCount += 1;
        } else {
          // Leaving a private account loses its videos until a new request is accepted: asked first.
          if (state === "following" && profile.isPrivate && !confirm(`Unfollow @${username}? This account is private: to see its videos again you would have to ask, and wait for its owner to accept.`)) return;
          await del(`/api/users/${q(username)}/follow`);
          if (state === "following") profile.followerCount -= 1;
          state = "none";
        }
        render();
        followers.textContent = formatCount(profile.followerCount);
        followersWord.textContent = profile.followerCount === 1 ? " Follower" : " Followers";
      } catch (e) { toast((e as Error).message); }
    });
    head.append(button, blockButton(username, params));
  } else if (me && me.id === profile.id) {
    head.append(h("a", { class: "button", href: "/settings" }, "Settings"));
  } else if (!me) {
    head.append(h("a", { class: "button primary", href: `/signin?next=${q(location.pathname)}` }, "Sign in to follow"));
  }
  // A private account's videos are for its followers: say so to everyone else rather than "no videos".
  const closed = profile.isPrivate && me?.id !== profile.id && profile.relationship !== "following";
  return h("section", { class: "page" }, head, me?.id === profile.id ? ownTabs("videos", profile.username) : null, closed
    ? h("p", { class: "muted private-note" }, profile.relationship === "requested"
      ? "This account is private. You asked to follow it: its videos show here once the owner accepts."
      : "This account is private. Follow it to see its videos once the owner accepts.")
    : grid((c) => get<Page<Video>>(`/api/users/${q(username)}/videos?count=24${cursorPart(c)}`), "No videos yet.", me?.id === profile.id));
}

/** Who a profile is: the avatar's letter, the name, and the @username under a display name. */
function identity(profile: Profile): (HTMLElement | null)[] {
  return [
    h("div", { class: "avatar big", "aria-hidden": "true" }, profile.username.slice(0, 1).toUpperCase()),
    h("h1", { dir: "auto" }, profile.displayName ?? `@${profile.username}`),
    profile.displayName ? h("p", { class: "muted" }, `@${profile.username}`) : null,
  ];
}

/** Blocking from a profile: asked first, then the page shows the profile as blocked, with the way back. */
function blockButton(username: string, params: Record<string, string>): HTMLElement {
  const button = h("button", { type: "button", class: "button" }, "Block");
  button.addEventListener("click", async () => {
    if (!confirm(`Block @${username}? Neither of you will see the other's videos, comments or profile; follows between you end, and their likes and comments on your videos are removed. You can unblock from their profile or in Settings.`)) return;
    try {
      await post(`/api/users/${q(username)}/block`);
      forgetKeptFeed();
      toast(`Blocked @${username}`);
      await replacePage(button, params);
    } catch (e) { toast((e as Error).message); }
  });
  return button;
}

/** Whom the viewer blocked: who it is, and the way to lift the block; nothing of theirs. */
function blockedProfile(profile: Profile, params: Record<string, string>): HTMLElement {
  const unblock = h("button", { type: "button", class: "button primary" }, "Unblock");
  unblock.addEventListener("click", async () => {
    try {
      await del(`/api/users/${q(profile.username)}/block`);
      forgetKeptFeed();
      toast(`Unblocked @${profile.username}`);
      await replacePage(unblock, params);
    } catch (e) { toast((e as Error).message); }
  });
  return h("section", { class: "page" },
    h("header", { class: "profile-head" },
      ...identity(profile),
      unblock),
    h("p", { class: "muted private-note" }, `You blocked @${profile.username}. Neither of you sees the other's videos, comments or profile, and neither can follow the other.`));
}

/** Draws the profile again after a block changed it, keeping focus on its main button. */
async function replacePage(from: HTMLElement, params: Record<string, string>): Promise<void> {
  const old = from.closest("section.page");
  if (!old) return;
  const fresh = await profilePage(params);
  old.replaceWith(fresh);
  fresh.querySelector<HTMLElement>(".profile-head button")?.focus();
}

export function hashtagPage(params: Record<string, string>): HTMLElement {
  const tag = params.tag;
  return h("section", { class: "page" },
    h("header", { class: "profile-head" }, h("div", { class: "avatar big", "aria-hidden": "true" }, "#"), h("h1", {}, `#${tag}`)),
    grid((c) => get<Page<Video>>(`/api/hashtags/${q(tag)}/videos?count=24${cursorPart(c)}`), "No videos with this hashtag yet."));
}

export function searchPage(_: Record<string, string>, query: URLSearchParams): HTMLElement {
  const input = h("input", { type: "search", name: "q", placeholder: "Search videos, people and #hashtags", "aria-label": "Search", autocomplete: "off", role: "combobox", "aria-expanded": "false", "aria-controls": "search-suggestions", value: query.get("q") ?? "" });
  const suggestions = h("ul", { id: "search-suggestions", class: "suggestions", role: "listbox", "aria-label": "Suggestions" });
  const results = h("div", { class: "results", "aria-live": "polite" });
  let timer = 0;
  let generation = 0;

  const closeSuggestions = () => { clear(suggestions); input.setAttribute("aria-expanded", "false"); };
  const show = async (text: string, full: boolean) => {
    const mine = ++generation;
    if (!text.trim()) {
      closeSuggestions();
      clear(results);
      if (location.pathname === "/search") history.replaceState(history.state, "", "/search");
      return;
    }
    let r: SearchResults;
    // A full search on a slow network says it is under way, rather than leaving the last results up.
    if (full) results.replaceChildren(h("p", { class: "grid-loading" }, "Searching…"));
    try { r = await get<SearchResults>(`/api/search?q=${q(text)}&count=${full ? 24 : 6}`); } catch (e) {
      if (full && mine === generation) { clear(results); toast((e as Error).message); }
      return;
    }
    if (mine !== generation) return; // an older answer arriving late
    // The address keeps the query, so Back from a result comes back to these results, not an empty box.
    if (location.pathname === "/search") history.replaceState(history.state, "", `/search?q=${q(text)}`);
    // Focus on a suggestion about to be replaced goes back to the box, not to the page's start.
    if (suggestions.contains(document.activeElement)) input.focus();
    clear(suggestions);
    for (const t of r.hashtags) suggestions.append(h("li", { role: "option" }, h("a", { href: `/tag/${q(t.name)}` }, `#${t.name}`, h("span", { class: "muted" }, ` ${formatCount(t.videoCount)} ${t.videoCount === 1 ? "video" : "videos"}`))));
    for (const u of r.users) suggestions.append(h("li", { role: "option" }, h("a", { href: `/@${q(u.username)}` }, `@${u.username}`, h("span", { class: "muted" }, ` ${u.displayName ?? ""}`))));
    input.setAttribute("aria-expanded", String(suggestions.children.length > 0));
    clear(results);
    if (r.videos.length) {
      results.append(h("h2", {}, "Videos"), h("ul", { class: "grid" }, ...r.videos.map((v) => h("li", {},
        h("a", { href: `/video/${v.id}`, class: "tile", "aria-label": `${v.caption || "Video"} by @${v.author.username}` },
          v.posterUrl ? h("img", { src: v.posterUrl, alt: "", loading: "lazy", width: 180, height: 320 }) : null,
          h("span", { class: "tile-caption" }, v.caption))))));
    } else if (full) {
      results.append(h("p", { class: "muted" }, "No videos match."));
    }
  };
  // ↓ from the box goes into the suggestions, and ↑/↓ move among them (a combobox's keys).
  input.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowDown") return;
    const first = suggestions.querySelector<HTMLElement>("a");
    if (first) { e.preventDefault(); first.focus(); }
  });
  arrowKeys(suggestions, "a", input);
  // Escape closes open suggestions and keeps the text (a second Escape clears the box, as search boxes do).
  const escape = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !suggestions.children.length) return;
    e.preventDefault();
    generation++; // a suggestion search still under way must not reopen them
    window.clearTimeout(timer);
    closeSuggestions();
    input.focus();
  };
  input.addEventListener("keydown", escape);
  suggestions.addEventListener("keydown", escape);
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void show(input.value, false), 150);
  });
  const form = h("form", { class: "search-form", role: "search" }, input, h("button", { type: "submit", class: "button primary" }, "Search"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    window.clearTimeout(timer); // a suggestion search still waiting would replace the full results
    history.replaceState(null, "", `/search?q=${q(input.value)}`);
    void show(input.value, true);
  });
  if (input.value) void show(input.value, true);
  input.dataset.autofocus = "";
  return h("section", { class: "page" }, h("h1", { class: "visually-hidden" }, "Search"), form, suggestions, results);
}

function field(label: string, input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, hint?: string): HTMLElement {
  const id = `f-${input.name}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, label), input, hint ? h("small", { class: "muted" }, hint) : null);
}

function authPage(kind: "signin" | "signup", query: URLSearchParams): HTMLElement {
  const next = query.get("next") ?? "/";
  // Only a path of this site: not "//host" nor "/\host" (which browsers read as another host).
  const safeNext = /^\/(?![\/\\])/.test(next) ? next : "/";
  const username = h("input", { name: "username", autocomplete: "username", required: true, minlength: 3, maxlength: 30 });
  const password = h("input", { name: "password", type: "password", autocomplete: kind === "signup" ? "new-password" : "current-password", required: true });
  const email = h("input", { name: "email", type: "email", autocomplete: "email" });
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "button primary wide" }, kind === "signup" ? "Sign up" : "Sign in");
  const form = h("form", { class: "auth-form", novalidate: true },
    field("Username", username),
    field("Password", password, kind === "signup" ? "At least 10 characters, not containing your username, and not a common password." : undefined),
    kind === "signup" ? field("Email (optional)", email) : null,
    error, submit);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    // Empty fields are named here rather than sent: the server would only say the pair is wrong.
    const missing = [!username.value.trim() ? "your username" : null, !password.value ? "your password" : null].filter(Boolean);
    if (missing.length) {
      error.textContent = `Enter ${missing.join(" and ")}.`;
      (!username.value.trim() ? username : password).focus();
      return;
    }
    submit.disabled = true;
    try {
      if (kind === "signup") await signUp(username.value.trim(), password.value, email.value.trim() || null);
      else await signIn(username.value.trim(), password.value);
      navigate(safeNext, true);
    } catch (err) {
      error.textContent = err instanceof ApiError && err.errors ? Object.values(err.errors).flat().join(" ") || err.message : (err as Error).message;
    } finally {
      submit.disabled = false;
    }
  });
  const other = kind === "signup"
    ? h("p", {}, "Have an account? ", h("a", { href: `/signin?next=${q(safeNext)}` }, "Sign in"))
    : h("p", {}, "New here? ", h("a", { href: `/signup?next=${q(safeNext)}` }, "Sign up"));
  username.dataset.autofocus = "";
  return h("section", { class: "page narrow" }, h("h1", {}, kind === "signup" ? "Sign up" : "Sign in"), form, other);
}

export const signInPage = (_: Record<string, string>, query: URLSearchParams) => authPage("signin", query);
export const signUpPage = (_: Record<string, string>, query: URLSearchParams) => authPage("signup", query);

export function uploadPage(): HTMLElement {
  if (!currentUser()) return signInPrompt("Sign in to upload videos.");
  // The drop zone is the keyboard's way in (Enter or Space opens the picker): the hidden input is no tab stop.
  const file = h("input", { type: "file", name: "file", accept: "video/*", class: "visually-hidden", tabindex: -1 });
  const drop = h("label", { class: "drop", for: "f-file", tabindex: 0 }, h("strong", {}, "Select a video"), h("span", { class: "muted" }, "or drag and drop it here (MP4, MOV, WebM or MKV)"));
  file.id = "f-file";
  const chosen = h("p", { class: "muted" });
  const caption = h("textarea", { name: "caption", rows: 3, maxlength: 2200, placeholder: "Describe your video. #hashtags @mentions" });
  const tagSuggestions = h("ul", { class: "chips", "aria-label": "Hashtag suggestions" });
  const visibility = h("select", { name: "visibility" }, h("option", { value: "public" }, "Everyone"), h("option", { value: "followers" }, "Followers"), h("option", { value: "private" }, "Only me"));
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Upload progress" });
  // The status line is announced when the step changes (uploading, processing, ready, failed); the percentage
  // beside it is not, or a screen reader would read a number every second.
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const percent = h("p", { class: "muted percent", "aria-hidden": "true" });
  const submit = h("button", { type: "submit", class: "button primary wide" }, "Post");
  let selected: File | null = null;

  const choose = (f: File | undefined) => {
    if (!f) return;
    selected = f;
    if (status.textContent === "Choose a video first.") status.textContent = "";
    chosen.textContent = `${f.name} · ${f.size < 1024 * 1024 ? `${Math.ceil(f.size / 1024)} KB` : `${(f.size / 1024 / 1024).toFixed(1)} MB`}`;
  };
  file.addEventListener("change", () => choose(file.files?.[0]));
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); file.click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer?.files[0]); });

  // Hashtag suggestions for the word being typed, from search.
  let timer = 0;
  caption.addEventListener("input", () => {
    window.clearTimeout(timer);
    const word = /#([\p{L}\p{N}_]+)$/u.exec(caption.value.slice(0, caption.selectionStart ?? caption.value.length));
    if (!word) { clear(tagSuggestions); return; }
    timer = window.setTimeout(async () => {
      try {
        const r = await get<SearchResults>(`/api/search?q=${q(word[1])}&type=hashtags&count=6`);
        clear(tagSuggestions);
        for (const t of r.hashtags) {
          const b = h("button", { type: "button", class: "chip" }, `#${t.name}`);
          b.addEventListener("click", () => {
            const at = caption.selectionStart ?? caption.value.length;
            const before = caption.value.slice(0, at).replace(/#[\p{L}\p{N}_]*$/u, `#${t.name} `);
            caption.value = before + caption.value.slice(at);
            clear(tagSuggestions);
            caption.focus();
          });
          tagSuggestions.append(h("li", {}, b));
        }
      } catch { /* suggestions are optional */ }
    }, 150);
  });

  const form = h("form", { class: "upload-form" }, file, drop, chosen,
    field("Caption", caption), tagSuggestions, field("Who can watch", visibility), bar, status, percent, submit);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!selected) { status.textContent = "Choose a video first."; return; }
    submit.disabled = true;
    const data = new FormData();
    data.append("caption", caption.value);
    data.append("visibility", visibility.value);
    data.append("file", selected);
    // XHR rather than fetch: fetch cannot report upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/videos");
    for (const [k, v] of Object.entries(writeHeaders(false))) xhr.setRequestHeader(k, v);
    status.textContent = "Uploading…";
    xhr.upload.addEventListener("progress", (p) => {
      if (!p.lengthComputable) return;
      bar.value = Math.round((p.loaded / p.total) * 100);
      percent.textContent = `${bar.value}%`;
    });
    xhr.addEventListener("load", async () => {
      if (xhr.status !== 202 && xhr.status !== 201) {
        const err = await problemOf(new Response(xhr.responseText, { status: xhr.status, headers: { "Content-Type": "application/json" } }));
        status.textContent = err.message;
        submit.disabled = false;
        return;
      }
      const { id } = JSON.parse(xhr.responseText) as { id: number };
      form.dataset.videoId = String(id);
      await followProcessing(id, bar, status, percent);
      // Ready or failed, the form is free for the next video. A posted caption is not the next video's; one
      // whose video failed stays, to post again with another file.
      selected = null;
      file.value = "";
      chosen.textContent = "";
      clear(tagSuggestions);
      if (status.dataset.state === "ready") caption.value = "";
      submit.disabled = false;
    });
    xhr.addEventListener("error", () => { status.textContent = "The upload failed. Check the connection and try again."; submit.disabled = false; });
    xhr.send(data);
  });
  return h("section", { class: "page narrow" }, h("h1", {}, "Upload video"), form);
}

/** Polls the video until it is ready or failed; the server also offers SSE, but a poll survives proxies. */
async function followProcessing(id: number, bar: HTMLProgressElement, status: HTMLElement, percent: HTMLElement): Promise<void> {
  bar.value = 0;
  status.textContent = "Processing…";
  percent.textContent = "";
  for (;;) {
    let v: Video;
    try { v = await get<Video>(`/api/videos/${id}`); } catch (e) { status.textContent = (e as Error).message; return; }
    if (v.status === "ready") {
      bar.value = 100;
      percent.textContent = "";
      clear(status);
      status.append("Your video is ready. ", h("a", { href: `/video/${id}`, class: "ready-link" }, "Watch it"));
      status.dataset.state = "ready";
      return;
    }
    if (v.status === "failed" || v.status === "rejected") {
      percent.textContent = "";
      status.textContent = `Processing failed: ${v.statusReason ?? "unknown reason"}`;
      status.dataset.state = "failed";
      return;
    }
    bar.value = v.progress ?? 0;
    percent.textContent = `${v.progress ?? 0}%`;
    await new Promise((r) => setTimeout(r, 700));
  }
}

export async function settingsPage(): Promise<HTMLElement> {
  const me = currentUser();
  if (!me) return signInPrompt("Sign in to change your settings.");
  const personal = h("input", { type: "checkbox", name: "personalization", role: "switch" });
  personal.checked = me.personalization;
  personal.addEventListener("change", async () => {
    try {
      refresh(await patch<Me>("/api/me/settings", { personalization: personal.checked }));
      forgetKeptFeed();
      toast(personal.checked ? "Personalised For You is on" : "Personalised For You is off");
    } catch (e) { personal.checked = !personal.checked; toast((e as Error).message); }
  });
  const interestsBox = h("div", { class: "interests" });
  const renderInterests = async () => {
    clear(interestsBox);
    const i = await get<Interests>("/api/me/interests");
    // Each chip carries the path that deletes it: a learned interest, or a "not interested" taken back.
    const list = (title: string, items: { label: string; remove: string; action: string }[]) => {
      const ul = h("ul", { class: "chips" });
      const heading = h("h3", {}, title);
      for (const it of items) {
        const li = h("li", { class: "chip" }, it.label);
        const b = h("button", { type: "button", class: "chip-remove", "aria-label": `${it.action} ${it.label}` }, "×");
        b.addEventListener("click", async () => {
          try {
            await del(it.remove);
            // Focus moves to the neighbouring chip (or the list's heading), not back to the page's start.
            const neighbour = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector<HTMLElement>("button");
            li.remove();
            forgetKeptFeed();
            toast(it.action === "Remove" ? `Removed ${it.label}` : `${it.label} may appear again`);
            if (!ul.children.length) ul.replaceWith(h("p", { class: "muted" }, "Nothing yet."));
            if (neighbour) neighbour.focus();
            else { heading.tabIndex = -1; heading.focus(); }
          } catch (e) { toast((e as Error).message); }
        });
        li.append(b);
        ul.append(li);
      }
      return h("div", {}, heading, items.length ? ul : h("p", { class: "muted" }, "Nothing yet."));
    };
    interestsBox.append(
      list("Hashtags", i.hashtags.map((x) => ({ label: `#${x.name}`, remove: `/api/me/interests/hashtags/${q(x.name)}`, action: "Remove" }))),
      list("Creators", i.creators.map((x) => ({ label: `@${x.name}`, remove: `/api/me/interests/creators/${q(x.name)}`, action: "Remove" }))),
      list("Not interested", [
        ...i.notInterestedHashtags.map((x) => ({ label: `#${x.name}`, remove: `/api/me/not-interested/hashtags/${q(x.name)}`, action: "Show again" })),
        ...i.notInterestedCreators.map((x) => ({ label: `@${x.name}`, remove: `/api/me/not-interested/creators/${q(x.name)}`, action: "Show again" })),
      ]),
      h("p", { class: "muted" }, `Learned from ${i.recentWatches} recent ${i.recentWatches === 1 ? "view" : "views"}.`));
  };
  void renderInterests().catch((e) => toast((e as Error).message));
  const reset = h("button", { type: "button", class: "button danger" }, "Reset interests");
  reset.addEventListener("click", async () => {
    if (!confirm("Forget everything the For You feed has learned about you?")) return;
    try { await del("/api/me/interests"); forgetKeptFeed(); toast("Interests reset"); await renderInterests(); } catch (e) { toast((e as Error).message); }
  });
  // A private account: new followers ask first, and its videos are for the followers it accepts.
  const privateAccount = h("input", { type: "checkbox", name: "isPrivate", role: "switch" });
  privateAccount.checked = me.isPrivate;
  privateAccount.addEventListener("change", async () => {
    try {
      refresh(await patch<Me>("/api/me/settings", { isPrivate: privateAccount.checked }));
      toast(privateAccount.checked ? "Your account is private" : "Your account is public");
    } catch (e) { privateAccount.checked = !privateAccount.checked; toast((e as Error).message); }
  });
  const requestsBox = h("div", { class: "follow-requests" });
  const renderRequests = async () => {
    const pending = await get<{ userId: number; username: string; requestedAt: string }[]>("/api/me/follow-requests");
    clear(requestsBox);
    if (!pending.length) { requestsBox.append(h("p", { class: "muted" }, "No one is waiting.")); return; }
    const ul = h("ul", { class: "chips" });
    for (const r of pending) {
      const answer = (approve: boolean) => async () => {
        try {
          await post(`/api/users/${q(r.username)}/follow-request`, { approve });
          toast(approve ? `@${r.username} now follows you` : `Declined @${r.username}`);
          await renderRequests();
        } catch (e) { toast((e as Error).message); }
      };
      const accept = h("button", { type: "button", class: "button primary" }, "Accept");
      accept.addEventListener("click", answer(true));
      const decline = h("button", { type: "button", class: "button" }, "Decline");
      decline.addEventListener("click", answer(false));
      ul.append(h("li", { class: "chip" }, h("a", { href: `/@${q(r.username)}` }, `@${r.username}`), " ", accept, " ", decline));
    }
    requestsBox.append(ul);
  };
  void renderRequests().catch((e) => toast((e as Error).message));
  // Blocks are lifted here too: the blocked person's profile is out of the way once blocked.
  const blockedBox = h("div", { class: "blocked-accounts" });
  const renderBlocked = async (cursor: string | null = null) => {
    const page = await get<Page<{ userId: number; username: string; displayName: string | null }>>(`/api/me/blocked?count=50${cursor ? `&cursor=${q(cursor)}` : ""}`);
    if (!cursor) clear(blockedBox);
    blockedBox.querySelector(".more")?.remove();
    if (!cursor && !page.items.length) { blockedBox.append(h("p", { class: "muted", tabindex: -1 }, "You have not blocked anyone.")); return; }
    const ul = blockedBox.querySelector("ul") ?? blockedBox.appendChild(h("ul", { class: "chips" }));
    for (const b of page.items) {
      const unblock = h("button", { type: "button", class: "button", "aria-label": `Unblock @${b.username}` }, "Unblock");
      const li = h("li", { class: "chip" }, h("a", { href: `/@${q(b.username)}` }, `@${b.username}`), " ", unblock);
      unblock.addEventListener("click", async () => {
        try {
          await del(`/api/users/${q(b.username)}/block`);
          forgetKeptFeed();
          const neighbour = (li.nextElementSibling ?? li.previousElementSibling)?.querySelector<HTMLElement>("button");
          li.remove();
          toast(`Unblocked @${b.username}`);
          // Focus stays in the list: on the next block, or on what the list says once it is empty.
          if (!ul.children.length) { await renderBlocked(); blockedBox.querySelector<HTMLElement>("p, button")?.focus(); }
          else neighbour?.focus();
        } catch (e) { toast((e as Error).message); }
      });
      ul.append(li);
    }
    if (page.nextCursor) {
      const more = h("button", { type: "button", class: "button more" }, "Show more");
      const next = page.nextCursor;
      more.addEventListener("click", () => { void renderBlocked(next).catch((e) => toast((e as Error).message)); });
      blockedBox.append(more);
    }
  };
  void renderBlocked().catch((e) => toast((e as Error).message));
  const out = h("button", { type: "button", class: "button" }, "Sign out");
  out.addEventListener("click", async () => {
    try {
      await signOut();
      navigate("/");
    } catch (e) {
      toast(`You are still signed in: ${(e as Error).message} Sign out again once you are back online.`);
    }
  });
  return h("section", { class: "page narrow" },
    h("h1", {}, "Settings"),
    profileCard(me),
    h("section", { class: "card" }, h("h2", {}, "For You"),
      h("label", { class: "switch" }, personal, h("span", {}, "Personalise my For You feed")),
      h("p", { class: "muted" }, "When off, For You shows popular and recent videos, the same for everyone."),
      reset),
    h("section", { class: "card" }, h("h2", {}, "Your interests"), h("p", { class: "muted" }, "What the feed believes you like, and what you asked not to see. Remove anything you disagree with."), interestsBox),
    h("section", { class: "card" }, h("h2", {}, "Privacy"),
      h("label", { class: "switch" }, privateAccount, h("span", {}, "Private account")),
      h("p", { class: "muted" }, "When on, people ask to follow you, and only the followers you accept see your videos."),
      h("h3", {}, "Follow requests"), requestsBox,
      h("h3", {}, "Blocked accounts"), blockedBox),
    h("section", { class: "card" }, h("h2", {}, "Account"), h("p", {}, `Signed in as @${me.username}`),
      h("p", { class: "muted" }, "Your data, its export and erasure will live in the privacy centre."), out));
}

/** One's own profile has two lists: the videos everyone sees, and the saved ones only oneself sees. */
function ownTabs(current: "videos" | "saved", username: string): HTMLElement {
  const tab = (href: string, label: string, on: boolean) => h("a", { href, class: on ? "tab on" : "tab", "aria-current": on ? "page" : null }, label);
  return h("nav", { class: "profile-tabs", "aria-label": "Your lists" },
    tab(`/@${q(username)}`, "Videos", current === "videos"), tab("/saved", "Saved", current === "saved"));
}

/** The videos one bookmarked, newest first; no one else can see this list. */
export function savedPage(): HTMLElement {
  const me = currentUser();
  if (!me) return signInPrompt("Sign in to see the videos you saved.");
  return h("section", { class: "page" },
    h("h1", { class: "visually-hidden" }, "Saved videos"),
    ownTabs("saved", me.username),
    h("p", { class: "muted" }, "Only you can see what you saved."),
    grid((c) => get<Page<Video>>(`/api/me/bookmarks?count=24${cursorPart(c)}`), "Nothing saved yet. Tap the bookmark on a video to keep it here."));
}

/** The name and bio others see on the profile. */
function profileCard(me: Me): HTMLElement {
  const name = h("input", { name: "displayName", maxlength: 64, autocomplete: "nickname", value: me.displayName ?? "" });
  const bio = h("textarea", { name: "bio", maxlength: 300, rows: 3 });
  bio.value = me.bio ?? "";
  const left = h("span", { class: "muted counter", "aria-live": "polite" });
  const count = () => { const n = 300 - bio.value.length; left.textContent = `${n} ${n === 1 ? "character" : "characters"} left`; };
  bio.addEventListener("input", count);
  count();
  const save = h("button", { type: "submit", class: "button primary" }, "Save profile");
  const form = h("form", { class: "profile-form" },
    field("Name", name),
    field("Bio", bio, "#hashtags and @mentions in a bio become links."), left,
    h("p", {}, save));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    save.disabled = true;
    try {
      // An empty field clears it: the server stores a blank name or bio as none.
      refresh(await patch<Me>("/api/me/settings", { displayName: name.value.trim(), bio: bio.value.trim() }));
      toast("Profile saved");
    } catch (err) { toast((err as Error).message); } finally { save.disabled = false; }
  });
  return h("section", { class: "card", id: "profile" }, h("h2", {}, "Profile"), form,
    h("p", {}, h("a", { href: `/@${q(me.username)}` }, "See your profile")));
}

/** Shown in place of the last page while a slow network loads the next, so the old one does not pose as it. */
export function loadingPage(): HTMLElement {
  return h("section", { class: "page narrow", "aria-busy": "true" }, h("p", { class: "muted", role: "status" }, "Loading…"));
}

/** A page that could not be loaded (offline, a server error): says why and offers to try again. */
export function loadFailed(message: string): HTMLElement {
  const again = h("button", { type: "button", class: "button primary" }, "Try again");
  again.addEventListener("click", () => navigate(location.pathname + location.search, true));
  return h("section", { class: "page narrow" }, h("h1", {}, "Could not load this page"), h("p", {}, message), again);
}

export function notFound(message = "There is nothing here."): HTMLElement {
  return h("section", { class: "page narrow" }, h("h1", {}, "Not found"), h("p", {}, message), h("a", { href: "/", class: "button" }, "Go to For You"));
}
