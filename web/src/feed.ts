import { del, patch, post, playbackUrl, q, type FeedItem, type Page, type Video } from "./api";
import { captionNodes } from "./caption";
import { openComments } from "./comments";
import { arrowKeys, formatCount, h, icon, reducedMotion, toast } from "./dom";
import { navigate } from "./router";
import { currentUser } from "./session";
import { openSheet } from "./sheet";
import { track, ViewTracker, type Surface } from "./telemetry";

export type Source = (cursor: string | null) => Promise<Page<FeedItem>>;

const UNMUTED_KEY = "rt_unmuted";
let muted = localStorage.getItem(UNMUTED_KEY) !== "1";
const PRELOAD_AHEAD = 2;

function requireSignIn(): boolean {
  if (currentUser()) return true;
  navigate(`/signin?next=${q(location.pathname)}`);
  return false;
}

/** One video of the feed: the player, its overlay and its actions. */
class Slide {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  readonly tracker: ViewTracker;
  private readonly muteButton: HTMLButtonElement;
  private readonly resumeButton: HTMLButtonElement;
  private readonly followButton: HTMLButtonElement | null;
  private readonly counts: Record<"likes" | "comments" | "bookmarks" | "shares", HTMLElement> = {} as never;
  private loaded = false;

  constructor(readonly item: FeedItem, private readonly feed: Feed) {
    const v = item.video;
    this.tracker = new ViewTracker(v.id, feed.surface);
    this.video = h("video", {
      // A landscape video is shown whole, with bars, rather than cropped to the portrait screen.
      class: v.width > v.height ? "player landscape" : "player", playsinline: true, loop: true, preload: "none", "aria-label": `Video by @${v.author.username}`,
      poster: v.posterUrl ?? null,
    });
    this.video.muted = muted;
    this.video.disablePictureInPicture = true;

    const stage = h("div", { class: "stage" }, this.video);
    // Links and buttons in the overlay do their own thing; they must not also pause or unmute the video.
    stage.addEventListener("click", (e) => { if (!(e.target as Element).closest(".overlay a, .overlay button")) this.tap(); });

    // Shown while the viewer holds the video paused: where to tap, and a button for keyboards and screen readers.
    this.resumeButton = h("button", { type: "button", class: "resume", "aria-label": "Play", hidden: true }, icon("play"));
    this.resumeButton.addEventListener("click", (e) => { e.stopPropagation(); void this.play(); });
    stage.append(this.resumeButton);

    this.muteButton = h("button", { type: "button", class: "mute-pill", "aria-pressed": String(!muted) });
    this.muteButton.addEventListener("click", (e) => { e.stopPropagation(); feed.setMuted(!muted); });
    this.renderMute();

    const me = currentUser();
    // Everyone on the Following feed is followed already; elsewhere the feed does not say, so the button shows.
    const follow = me && me.id !== v.author.id && feed.surface !== "following"
      ? h("button", { type: "button", class: "follow", "aria-label": `Follow @${v.author.username}` }, icon("plus"))
      : null;
    this.followButton = follow;
    follow?.addEventListener("click", async () => {
      try {
        const r = await post<{ state: string }>(`/api/users/${q(v.author.username)}/follow`);
        // Every video of theirs in this feed says so, not only the one the button was on.
        feed.followed(v.author.id, r.state === "requested");
        toast(r.state === "requested" ? "Follow requested" : `Following @${v.author.username}`);
      } catch (e) { toast((e as Error).message); }
    });

    const like = this.action("heart", "likes", v.viewer.liked ? "Unlike" : "Like", v.viewer.liked, () => this.like());
    const comment = this.action("comment", "comments", "Comments", false, () => openComments(v, (d) => this.bump("comments", d)));
    const bookmark = this.action("bookmark", "bookmarks", v.viewer.bookmarked ? "Remove bookmark" : "Bookmark", v.viewer.bookmarked, () => this.bookmark());
    const share = this.action("share", "shares", "Share", false, () => this.share());
    const why = h("button", { type: "button", class: "action", "aria-label": "Why this video" }, icon("info"), h("span", {}, "Why"));
    why.addEventListener("click", () => this.why());
    const more = h("button", { type: "button", class: "action", "aria-label": "More options", "aria-haspopup": "dialog" }, icon("more"));
    more.addEventListener("click", () => this.notInterested());

    const title = v.author.displayName ? `${v.author.displayName}` : `@${v.author.username}`;
    const caption = h("p", { class: "caption", dir: "auto" }, ...captionNodes(v.caption, v.mentions));
    const moreText = h("button", { type: "button", class: "caption-more", hidden: true, "aria-expanded": "false" }, "more");
    moreText.addEventListener("click", () => {
      const open = caption.classList.toggle("expanded");
      moreText.textContent = open ? "less" : "more";
      moreText.setAttribute("aria-expanded", String(open));
    });
    // A caption longer than its few lines offers "more", measured whenever it is laid out: the first slide of
    // a page may start playing before the page is in the document, when nothing has a size yet.
    new ResizeObserver(() => {
      if (moreText.hidden && caption.scrollHeight > caption.clientHeight + 2) moreText.hidden = false;
    }).observe(caption);
    const info = h("div", { class: "info" },
      h("a", { class: "creator", href: `/@${q(v.author.username)}`, dir: "auto", title }, title),
      caption, moreText);

    const overlay = h("div", { class: "overlay" }, info);
    stage.append(overlay, this.muteButton);
    this.el = h("article", { class: "slide", "aria-label": `Video by @${v.author.username}`, "data-video-id": v.id, "data-author": v.author.username, tabindex: -1 },
      stage,
      h("div", { class: "actions", role: "group", "aria-label": "Video actions" },
        h("a", { class: "avatar", href: `/@${q(v.author.username)}`, "aria-label": `@${v.author.username}'s profile` }, v.author.username.slice(0, 1).toUpperCase()),
        follow, like, comment, bookmark, share, why, more));

    this.video.addEventListener("timeupdate", () => this.tracker.time(this.video.currentTime, this.video.duration));
    this.video.addEventListener("playing", () => {
      this.el.classList.add("playing");
      this.resumeButton.hidden = true;
      this.tracker.play(this.video.currentTime);
      // Time from navigation to the first video playing: the benchmark and browser tests read this mark.
      if (!performance.getEntriesByName("first-play").length) performance.mark("first-play");
    });
    this.video.addEventListener("pause", () => this.el.classList.remove("playing"));
    this.video.addEventListener("error", () => {
      if (this.loaded) this.el.classList.add("failed");
    });
  }

  /** The creator is followed now (or asked to be, for a private account): the button says so and rests. */
  showFollowed(requested: boolean): void {
    const b = this.followButton;
    if (!b || b.disabled) return;
    b.classList.add("done");
    b.replaceChildren(icon("check"));
    b.setAttribute("aria-label", requested ? "Follow requested" : `Following @${this.item.video.author.username}`);
    b.disabled = true;
  }

  private action(name: string, count: keyof Slide["counts"], label: string, pressed: boolean, onClick: () => void): HTMLButtonElement {
    // The name stays the action ("Like"); the count is its description, so a screen reader says both.
    const n = h("span", { class: "count", id: `count-${this.item.video.id}-${count}-${Math.random().toString(36).slice(2, 8)}` }, formatCount(this.item.video.counts[count]));
    this.counts[count] = n;
    const b = h("button", { type: "button", class: `action ${name}`, "aria-label": label, "aria-describedby": n.id, "aria-pressed": count === "likes" || count === "bookmarks" ? String(pressed) : null }, icon(name), n);
    b.addEventListener("click", onClick);
    return b;
  }

  private bump(count: keyof Slide["counts"], delta: number): void {
    this.item.video.counts[count] = Math.max(0, this.item.video.counts[count] + delta);
    this.counts[count].textContent = formatCount(this.item.video.counts[count]);
  }

  private setCounts(c: Video["counts"]): void {
    this.item.video.counts = c;
    for (const key of Object.keys(this.counts) as (keyof Slide["counts"])[]) this.counts[key].textContent = formatCount(c[key]);
  }

  async like(): Promise<void> {
    if (!requireSignIn()) return;
    const v = this.item.video;
    const button = this.el.querySelector<HTMLButtonElement>(".action.heart")!;
    const liked = !v.viewer.liked;
    v.viewer.liked = liked;
    button.setAttribute("aria-pressed", String(liked));
    button.setAttribute("aria-label", liked ? "Unlike" : "Like");
    try {
      this.setCounts(liked ? await post(`/api/videos/${v.id}/like`) : await del(`/api/videos/${v.id}/like`));
    } catch (e) {
      v.viewer.liked = !liked;
      button.setAttribute("aria-pressed", String(!liked));
      button.setAttribute("aria-label", !liked ? "Unlike" : "Like");
      toast((e as Error).message);
    }
  }

  private async bookmark(): Promise<void> {
    if (!requireSignIn()) return;
    const v = this.item.video;
    const button = this.el.querySelector<HTMLButtonElement>(".action.bookmark")!;
    const on = !v.viewer.bookmarked;
    v.viewer.bookmarked = on;
    button.setAttribute("aria-pressed", String(on));
    button.setAttribute("aria-label", on ? "Remove bookmark" : "Bookmark");
    try {
      this.setCounts(on ? await post(`/api/videos/${v.id}/bookmark`) : await del(`/api/videos/${v.id}/bookmark`));
      toast(on ? "Saved to bookmarks" : "Removed from bookmarks");
    } catch (e) {
      v.viewer.bookmarked = !on;
      button.setAttribute("aria-pressed", String(!on));
      button.setAttribute("aria-label", !on ? "Remove bookmark" : "Bookmark");
      toast((e as Error).message);
    }
  }

  private async share(): Promise<void> {
    const url = `${location.origin}/video/${this.item.video.id}`;
    try {
      if (navigator.share) await navigator.share({ url, title: "Reeltime" });
      else { await navigator.clipboard.writeText(url); toast("Link copied"); }
    } catch { return; /* the person cancelled the share sheet */ }
    // A signed-in person's share is counted by the server (which tells the feed); a visitor's only teaches the feed.
    if (!currentUser()) { track("share", this.item.video.id, this.feed.surface); return; }
    try {
      this.setCounts(await post<Video["counts"]>(`/api/videos/${this.item.video.id}/share`));
    } catch { /* the link was shared all the same; only the count missed it */ }
  }

  private why(): void {
    const reasons = this.item.reasons;
    const body = h("div", { class: "why" });
    if (!reasons.length) body.append(h("p", {}, "This video is here because it is recent."));
    const list = h("ul", { class: "reasons" });
    for (const r of reasons) {
      // The engine's signals, in words: what counted for this video, then how it expects you to take it.
      const counted = (r.signals ?? []).filter((s) => !(s.name in EXPECTED) && SIGNAL_WORDS[s.name]);
      const expected = (r.signals ?? []).filter((s) => s.name in EXPECTED);
      list.append(h("li", {}, h("p", {}, r.text),
        counted.length ? h("p", { class: "muted" }, "What counted most: ", counted.map((s) => SIGNAL_WORDS[s.name]).join("; "), ".") : null,
        expected.length ? h("ul", { class: "muted expected", "aria-label": "What the feed expects" },
          ...expected.map((s) => h("li", {}, `${EXPECTED[s.name]}: ${percent(s.value)}`))) : null));
    }
    body.append(list, currentUser()
      ? h("p", { class: "muted" }, "Change what the feed learns in ", h("a", { href: "/settings" }, "Settings"), ".")
      : h("p", { class: "muted" }, h("a", { href: `/signin?next=${q(location.pathname)}` }, "Sign in"), " for a feed that learns what you like; you can switch that off in Settings."));
    openSheet("Why this video", body, "why-sheet");
  }

  private notInterested(): void {
    const v = this.item.video;
    const body = h("div", { class: "menu", role: "menu" });
    if (currentUser()?.id === v.author.id) {
      // One's own video: nothing to be not interested in, but it can be taken down.
      const dialog = openSheet("Your video", body, "menu-sheet");
      const choices: [string, string, string][] = [
        ["public", "Everyone can watch", "Everyone can watch this video now"],
        ["followers", "Followers can watch", "Only your followers can watch this video now"],
        ["private", "Only you can watch", "Only you can watch this video now"],
      ];
      for (const [value, label, done] of choices) {
        const b = h("button", { type: "button", role: "menuitemradio", class: "menu-item", "aria-checked": String(v.visibility === value) }, label);
        b.addEventListener("click", async () => {
          try {
            const changed = await patch<Video>(`/api/videos/${v.id}`, { visibility: value });
            v.visibility = changed.visibility;
            for (const other of body.querySelectorAll("[role=menuitemradio]")) other.setAttribute("aria-checked", String(other === b));
            toast(done);
          } catch (e) { toast((e as Error).message); }
        });
        body.append(b);
      }
      const remove = h("button", { type: "button", role: "menuitem", class: "menu-item danger" }, "Delete this video");
      remove.addEventListener("click", async () => {
        if (!(await deleteVideo(v))) return;
        dialog.close();
        this.feed.hide((s) => s.item.video.id === v.id);
      });
      body.append(remove);
      arrowKeys(body, "[role=menuitem], [role=menuitemradio]");
      (body.querySelector("[aria-checked=true]") as HTMLElement | null ?? remove).focus();
      return;
    }
    const dialog = openSheet("Not interested", body, "menu-sheet");
    const choose = async (scope: "video" | "creator" | "hashtag", hashtag?: string) => {
      if (!requireSignIn()) { dialog.close(); return; }
      try {
        await post("/api/feedback/not-interested", { videoId: v.id, scope, hashtag: hashtag ?? null });
        dialog.close();
        this.feed.hide(scope === "creator" ? (s) => s.item.video.author.id === v.author.id
          : scope === "hashtag" ? (s) => s.item.video.hashtags.includes(hashtag!)
          : (s) => s.item.video.id === v.id);
        // A creator or hashtag can be taken back here at once (and later in Settings); the feed learns the rest.
        const undo = (path: string, label: string) => ({
          label: "Undo",
          run: () => void del(path).then(() => toast(`${label} may appear again`), (e: Error) => toast(e.message)),
        });
        if (scope === "creator") toast(`No more videos from @${v.author.username} in For You.`, undo(`/api/me/not-interested/creators/${q(v.author.username)}`, `@${v.author.username}`));
        else if (scope === "hashtag") toast(`No more #${hashtag} in For You.`, undo(`/api/me/not-interested/hashtags/${q(hashtag!)}`, `#${hashtag}`));
        else toast("You will see fewer videos like this");
      } catch (e) { toast((e as Error).message); }
    };
    const item = (label: string, onClick: () => void) => {
      const b = h("button", { type: "button", role: "menuitem", class: "menu-item" }, label);
      b.addEventListener("click", onClick);
      return b;
    };
    body.append(item("This video", () => void choose("video")));
    body.append(item(`This creator (@${v.author.username})`, () => void choose("creator")));
    for (const tag of v.hashtags.slice(0, 5)) body.append(item(`This hashtag (#${tag})`, () => void choose("hashtag", tag)));
    arrowKeys(body, "[role=menuitem]");
    (body.firstElementChild as HTMLElement | null)?.focus();
  }

  private tap(): void {
    if (muted) { this.feed.setMuted(false); return; }
    this.togglePlay();
  }

  togglePlay(): void {
    if (this.video.paused) { void this.play(); return; }
    this.video.pause();
    this.resumeButton.hidden = false;
  }

  renderMute(): void {
    this.video.muted = muted;
    this.muteButton.replaceChildren(icon(muted ? "muted" : "sound"), h("span", {}, muted ? "Tap to unmute" : ""));
    this.muteButton.setAttribute("aria-label", muted ? "Unmute" : "Mute");
    this.muteButton.setAttribute("aria-pressed", String(!muted));
    this.muteButton.classList.toggle("on", !muted);
  }

  /** Gives the element its source so the browser starts fetching. */
  load(): void {
    if (this.loaded || this.item.video.status !== "ready") return;
    this.loaded = true;
    this.video.preload = "auto";
    this.video.src = playbackUrl(this.item.video);
  }

  /** Frees the decoder and buffers of a video far off-screen. */
  release(): void {
    if (!this.loaded) return;
    this.loaded = false;
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.preload = "none";
    this.video.load();
  }

  /** A video that failed (the network dropped while it loaded) gets a fresh start. */
  retry(): void {
    if (!this.el.classList.contains("failed")) return;
    this.el.classList.remove("failed");
    this.release();
    this.load();
  }

  async play(): Promise<void> {
    this.retry();
    this.load();
    this.video.muted = muted;
    try {
      await this.video.play();
    } catch (e) {
      // Browsers refuse sound before the person has interacted with the page: fall back to muted.
      if ((e as DOMException).name === "NotAllowedError" && !this.video.muted) {
        this.video.muted = true;
        muted = true;
        this.renderMute();
        await this.video.play().catch(() => {});
      }
    }
  }

  pause(): void {
    this.video.pause();
  }
}

/** A link a feed's end or empty card offers. */
export interface FeedAction { label: string; href: string }

const actionLink = (action?: FeedAction) => (action ? h("a", { class: "button primary", href: action.href }, action.label) : null);

/** A full-height vertical feed with scroll snapping; the slide most in view plays. */
export class Feed {
  readonly el: HTMLElement;
  private readonly slides: Slide[] = [];
  private cursor: string | null = null;
  private done = false;
  private loading: Promise<void> | null = null;
  private active = -1;
  private readonly observer: IntersectionObserver;
  private readonly seen = new Set<number>();
  private wheelLock = 0;
  private touchStart: { x: number; y: number; top: number } | null = null;
  private pages = 0;
  private endCard: HTMLElement | null = null;
  // Whether the end card, not the active slide, is on screen (the active slide stays the last video).
  private atEnd = false;
  // A page of one video (a shared link) asks for For You only once the viewer tries to go past it: the
  // server holds back what it serves, and a page fetched for someone who only came for the link is wasted.
  private wantMore: (() => void) | null = null;
  private advanceWhenLoaded = false;

  /**
   * @param emptyText what an empty feed says.
   * @param endText what the card after the last video says, once the server has no more.
   * @param endAction a link the end card offers, e.g. to watch again.
   * @param emptyAction a link the empty card offers.
   */
  constructor(private readonly source: Source, readonly surface: Surface, private readonly emptyText: string, private readonly endText?: string,
    private readonly endAction?: FeedAction, private readonly emptyAction?: FeedAction) {
    this.el = h("div", { class: "feed", role: "feed", "aria-busy": "true", "aria-label": "Videos" });
    this.observer = new IntersectionObserver((entries) => this.onIntersect(entries), { root: this.el, threshold: [0, 0.5, 0.75] });
    this.el.addEventListener("wheel", (e) => this.onWheel(e), { passive: false });
    this.el.addEventListener("touchstart", (e) => {
      const t = e.touches[0];
      this.touchStart = e.touches.length === 1 && t ? { x: t.clientX, y: t.clientY, top: this.el.scrollTop } : null;
    }, { passive: true });
    this.el.addEventListener("touchend", (e) => this.onTouchEnd(e), { passive: true });
  }

  async start(): Promise<void> {
    // Back online: videos that failed while the connection was gone load again, and the current one plays.
    window.addEventListener("online", this.onOnline);
    await this.more();
  }

  private readonly onOnline = (): void => {
    if (!this.el.isConnected) { window.removeEventListener("online", this.onOnline); return; }
    this.slides.forEach((s, i) => { if (i >= this.active - 1 && i <= this.active + PRELOAD_AHEAD) s.retry(); });
    const current = this.slides[this.active];
    if (current && !this.atEnd) void current.play();
    const failed = this.el.querySelector(".load-failed");
    if (failed && this.slides.length === 0) { failed.remove(); void this.more(); }
  };

  private more(): Promise<void> {
    if (this.done) return Promise.resolve();
    this.loading ??= (async () => {
      let added = 0;
      try {
        const page = await this.source(this.cursor);
        this.cursor = page.nextCursor;
        this.done = !page.nextCursor || page.items.length === 0;
        this.pages++;
        for (const item of page.items) {
          // A feed may repeat a video across pages; show it once.
          if (this.seen.has(item.video.id)) continue;
          this.seen.add(item.video.id);
          const slide = new Slide(item, this);
          slide.el.dataset.page = String(this.pages);
          this.slides.push(slide);
          added++;
          this.el.append(slide.el);
          this.observer.observe(slide.el);
        }
        if (this.slides.length === 0) this.el.append(h("div", { class: "empty-feed" }, h("div", {}, h("p", {}, this.emptyText), actionLink(this.emptyAction))));
        else if (this.done && this.endText && !this.endCard) {
          this.endCard = h("div", { class: "empty-feed end-of-feed", role: "status" }, h("div", {}, h("p", {}, this.endText), actionLink(this.endAction)));
          this.el.append(this.endCard);
          this.observer.observe(this.endCard);
        }
        if (this.active < 0 && this.slides.length) this.activate(0);
        // Slides that arrived within reach of the current one (after a page of one video) fetch now.
        else if (added > 0) this.preload();
        if (this.advanceWhenLoaded) {
          this.advanceWhenLoaded = false;
          if (added > 0) this.step(1);
          else if (this.endCard) this.step(1);
        }
      } catch (e) {
        toast((e as Error).message);
        if (this.slides.length === 0) {
          // Nothing to watch and nothing loaded: say why and offer to try again, not a black screen.
          const again = h("button", { type: "button", class: "button primary" }, "Try again");
          const card = h("div", { class: "empty-feed load-failed", role: "alert" }, h("div", {}, h("p", {}, (e as Error).message), again));
          again.addEventListener("click", () => { card.remove(); void this.more(); });
          this.el.append(card);
        }
      } finally {
        this.el.setAttribute("aria-busy", "false");
        this.loading = null;
      }
      // activate() asks for more while this page was still loading, which joined this load: ask again,
      // or a shared link (a page of one video) would never continue into the feed.
      if (added > 0 && !this.done && this.active >= this.slides.length - 3) await this.more();
    })();
    return this.loading;
  }

  private onIntersect(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      if (entry.target === this.endCard) {
        if (entry.intersectionRatio >= 0.75) this.reachEnd();
        continue;
      }
      const slide = this.slides.find((s) => s.el === entry.target);
      if (!slide) continue;
      // An impression is counted when a video becomes the one on screen (activate): the one just left is
      // still half in view while the feed scrolls away from it, and must not count again.
      if (entry.intersectionRatio >= 0.75) this.activate(this.slides.indexOf(slide));
    }
  }

  private activate(index: number): void {
    if (index < 0) return;
    if (index === this.active) { this.leaveEnd(); return; }
    this.atEnd = false;
    const previous = this.slides[this.active];
    if (previous) { previous.pause(); previous.tracker.leave(); }
    this.active = index;
    this.preload();
    const current = this.slides[index];
    // Keyboard focus follows the video on screen, so Tab and Space act on it, not on one scrolled away.
    if (previous && this.el.contains(document.activeElement)) current.el.focus({ preventScroll: true });
    current.tracker.impression();
    void current.play();
    if (index >= this.slides.length - 3) void this.more();
  }

  /** The end card came into view: the last video stops, as if the viewer had swiped to another. */
  private reachEnd(): void {
    if (this.atEnd) return;
    this.atEnd = true;
    const last = this.slides[this.active];
    if (last) { last.pause(); last.tracker.leave(); }
  }

  /** Back from the end card to the last video, which plays again. */
  private leaveEnd(): void {
    if (!this.atEnd) return;
    this.atEnd = false;
    const last = this.slides[this.active];
    if (last) { last.tracker.impression(); void last.play(); }
  }

  /** Sources for the previous video, the current one and the next two; the others give theirs back. */
  private preload(): void {
    this.slides.forEach((s, i) => {
      if (i >= this.active - 1 && i <= this.active + PRELOAD_AHEAD) s.load();
      else s.release();
    });
  }

  /** Resolves when the viewer first tries to move past the last video; a source may wait on it. */
  nextWanted(): Promise<void> {
    return new Promise((resolve) => { this.wantMore = resolve; });
  }

  /** Moves to the next (1) or previous (-1) video. */
  step(delta: number): void {
    if (delta > 0 && this.wantMore && this.active === this.slides.length - 1) {
      // The next page was waiting for this: it loads now, and the feed moves on once it is here.
      const release = this.wantMore;
      this.wantMore = null;
      this.advanceWhenLoaded = true;
      this.el.setAttribute("aria-busy", "true");
      release();
      return;
    }
    if (delta > 0 && this.endCard && !this.atEnd && this.active === this.slides.length - 1) {
      this.endCard.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "start" });
      this.reachEnd();
      return;
    }
    if (delta < 0 && this.atEnd) {
      this.slides[this.active]?.el.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "start" });
      this.leaveEnd();
      return;
    }
    const target = this.slides[Math.max(0, Math.min(this.slides.length - 1, this.active + delta))];
    if (!target) return;
    target.el.scrollIntoView({ behavior: reducedMotion() ? "auto" : "smooth", block: "start" });
    this.activate(this.slides.indexOf(target));
  }

  private onWheel(e: WheelEvent): void {
    // One video per wheel gesture: a trackpad's inertia would otherwise fly past several.
    if (Math.abs(e.deltaY) < 4) return;
    e.preventDefault();
    // A gesture lasts while its events keep coming (a trackpad's inertia runs on for a second or more):
    // each one inside the lock extends it, so only a pause starts the next move.
    const now = performance.now();
    if (now < this.wheelLock) { this.wheelLock = Math.max(this.wheelLock, now + 250); return; }
    this.wheelLock = now + 450;
    this.step(e.deltaY > 0 ? 1 : -1);
  }

  private onTouchEnd(e: TouchEvent): void {
    const start = this.touchStart;
    this.touchStart = null;
    const t = e.changedTouches[0];
    if (!start || !t) return;
    const dy = start.y - t.clientY;
    if (Math.abs(dy) < 50 || Math.abs(dy) < 2 * Math.abs(start.x - t.clientX)) return;
    // Scrolling with snapping moves the feed under a finger on phones. Where a swipe did not scroll it at
    // all (touch emulation in desktop browsers often does not), or began to and snapped back (a slow
    // device), the feed moves itself; a real scroll has moved the feed to another video by then, so this
    // never adds a second move. A scroll still under way is looked at again a little later.
    const from = this.active;
    const check = (tries: number) => {
      if (this.active !== from) return;
      if (Math.abs(this.el.scrollTop - start.top) < 2) this.step(dy > 0 ? 1 : -1);
      else if (tries > 0) window.setTimeout(() => check(tries - 1), 150);
    };
    window.setTimeout(() => check(4), 150);
  }

  /** Keyboard: ↑/↓ move, space plays or pauses, m mutes, l likes. */
  key(e: KeyboardEvent): boolean {
    const current = this.slides[this.active];
    switch (e.key) {
      case "ArrowDown": case "PageDown": case "j": this.step(1); return true;
      case "ArrowUp": case "PageUp": case "k": this.step(-1); return true;
      case " ": current?.togglePlay(); return true;
      case "m": case "M": this.setMuted(!muted); return true;
      case "l": case "L": void current?.like(); return true;
      default: return false;
    }
  }

  setMuted(value: boolean): void {
    muted = value;
    localStorage.setItem(UNMUTED_KEY, value ? "0" : "1");
    for (const s of this.slides) s.renderMute();
    const current = this.slides[this.active];
    if (current && current.video.paused) void current.play();
  }

  /** The viewer followed a creator from one of their videos: every one of their videos here shows it. */
  followed(authorId: number, requested: boolean): void {
    for (const s of this.slides) if (s.item.video.author.id === authorId) s.showFollowed(requested);
  }

  /** Removes the slides a "not interested" answer covers, and moves on. */
  hide(match: (s: Slide) => boolean): void {
    const current = this.slides[this.active];
    // Where the viewer was, less the hidden videos before it: the video after the current one, if that goes.
    let at = this.active;
    for (let i = this.slides.length - 1; i >= 0; i--) {
      const s = this.slides[i];
      if (!match(s)) continue;
      if (i < this.active) at--;
      if (s === current) { s.pause(); s.tracker.leave(); }
      s.release();
      this.observer.unobserve(s.el);
      s.el.remove();
      this.slides.splice(i, 1);
    }
    this.active = -1;
    const next = Math.max(0, at);
    if (next >= this.slides.length && this.slides.length && this.endCard) {
      // The last video went, and the feed has no more: on to the end card, as a swipe would.
      this.active = this.slides.length - 1;
      this.atEnd = true;
      this.endCard.scrollIntoView({ block: "start" });
      this.endCard.querySelector<HTMLElement>("a")?.focus({ preventScroll: true });
    } else if (this.slides.length) {
      this.slides[Math.min(next, this.slides.length - 1)].el.scrollIntoView({ block: "start" });
      this.activate(Math.min(next, this.slides.length - 1));
      // The menu's button went with its video: focus goes to the video now on screen, not to the page's start.
      if (!document.activeElement || document.activeElement === document.body) this.slides[this.active]?.el.focus({ preventScroll: true });
    } else {
      void this.more();
    }
  }

  /**
   * Leaves the page without ending the feed (the viewer opened a profile, say): the current video pauses
   * where it is and its view ends; the others give back their media. resume() picks up from here.
   */
  suspend(): void {
    const current = this.slides[this.active];
    if (current && !this.atEnd) { current.pause(); current.tracker.leave(); }
    for (const s of this.slides) if (s !== current) s.release();
  }

  /** Back on the page after suspend(), the feed's element in the document again: the same place, playing. */
  resume(): void {
    // Taking the element out of the document lost its scroll position; the observer then sees this one.
    if (this.atEnd && this.endCard) { this.endCard.scrollIntoView({ block: "start" }); return; }
    const current = this.slides[this.active];
    if (!current) return;
    current.el.scrollIntoView({ block: "start" });
    this.preload();
    current.tracker.impression();
    void current.play();
  }

  destroy(): void {
    const current = this.slides[this.active];
    current?.tracker.leave();
    this.observer.disconnect();
    for (const s of this.slides) s.release();
  }
}

// The ranker's features as a person would say them (Ranker.Names on the server); those not listed are not shown.
const SIGNAL_WORDS: Record<string, string> = {
  "similarity": "it is close to what you watch",
  "hashtag-interest": "you like its hashtags",
  "creator-interest": "you like this creator",
  "follows-creator": "you follow this creator",
  "co-watched": "people who watched what you watched also watched it",
  "video-long-watch-rate": "people tend to watch it to the end",
  "video-like-rate": "people like it",
  "video-share-rate": "people share it",
  "video-follow-rate": "people follow its creator after watching",
  "video-watch-ratio": "people watch most of it",
  "trending": "it is popular right now",
  "freshness": "it is new",
  "creator-long-watch-rate": "this creator's videos are watched to the end",
  "affinity": "it fits your taste",
  "session-affinity": "it fits what you watched just now",
  "popularity": "many people watch it",
  "video-quality": "it holds people's attention",
  "related": "people with your taste enjoyed it",
};

const EXPECTED: Record<string, string> = {
  "p-long-watch": "Chance you watch most of it",
  "p-like": "Chance you like it",
  "expected-watch-ratio": "Share of it you are expected to watch",
};

/** Asks, then deletes the author's video; true when it is gone. */
export async function deleteVideo(v: Video): Promise<boolean> {
  if (!confirm("Delete this video? No one will be able to watch it any more.")) return false;
  try {
    await del(`/api/videos/${v.id}`);
    toast("Video deleted");
    return true;
  } catch (e) {
    toast((e as Error).message);
    return false;
  }
}

/** A prediction as a person reads it: never a certain 0 % or 100 %, which no estimate is. */
function percent(p: number): string {
  return `${Math.min(99, Math.max(1, Math.round(p * 100)))}%`;
}
