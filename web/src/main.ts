import { clear, h, icon, toast, toastRegion } from "./dom";
import * as pages from "./pages";
import { resolve, route, startRouter, type Page } from "./router";
import { currentUser, loadSession, onSessionChange, onSessionChangedElsewhere } from "./session";
import { startTelemetry } from "./telemetry";
import "./styles.css";

const app = document.getElementById("app")!;
const main = h("main", { id: "main", tabindex: -1 });
const nav = h("nav", { class: "bar", "aria-label": "Main" });
app.append(nav, main);

function renderNav(): void {
  const me = currentUser();
  const link = (href: string, label: string, extra = "", also: string[] = []) => {
    const here = location.pathname === href || (href !== "/" && location.pathname.startsWith(href)) || also.includes(location.pathname);
    return h("a", { href, class: `bar-link ${extra}`.trim(), "aria-current": here ? "page" : null }, label);
  };
  nav.replaceChildren(
    h("a", { href: "/", class: "brand", "aria-label": "Reeltime home" }, "Reeltime"),
    link("/", "Home", "", ["/following", "/again"]),
    link("/search", "Search"),
    h("a", { href: "/upload", class: "bar-link upload", "aria-label": "Upload" }, icon("plus"), h("span", { class: "upload-word", "aria-hidden": "true" }, "Upload")),
    me ? link(`/@${encodeURIComponent(me.username)}`, "Profile", "", ["/saved"]) : link("/signin", "Sign in"),
    me ? link("/settings", "Settings", "wide-only") : link("/signup", "Sign up", "wide-only"));
}

let generation = 0;
async function show(page: Page, params: Record<string, string>, query: URLSearchParams): Promise<void> {
  const mine = ++generation;
  pages.leavePage();
  document.querySelectorAll("dialog[open]").forEach((d) => (d as HTMLDialogElement).close());
  renderNav();
  const result = page(params, query);
  let el: HTMLElement;
  if (result instanceof Promise) {
    // A page that waits on the network: past a moment, say it is loading rather than leave the last page up.
    const slow = window.setTimeout(() => { if (mine === generation) { clear(main); main.append(pages.loadingPage()); } }, 300);
    try { el = await result; } finally { window.clearTimeout(slow); }
  } else {
    el = result;
  }
  if (mine !== generation) return;
  clear(main);
  main.append(el);
  // A page marks the field to start in; it can take focus only now that it is in the document.
  el.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  document.body.classList.toggle("on-feed", !!el.classList.contains("feed-page"));
  const title = el.querySelector("h1")?.textContent;
  document.title = title && title !== "Reeltime" ? `${title} · Reeltime` : "Reeltime";
}

document.addEventListener("keydown", (e) => {
  const target = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || document.querySelector("dialog[open]")) return;
  if (target.closest("input, textarea, select, [contenteditable]")) return;
  // Space on a focused button presses it; the feed's shortcuts apply elsewhere.
  if (e.key === " " && target.closest("button, a")) return;
  if (pages.activeFeed?.key(e)) e.preventDefault();
});

route("/", pages.forYouPage);
route("/again", pages.watchAgainPage);
route("/following", pages.followingPage);
route("/video/:id", pages.videoPage);
route("/tag/:tag", pages.hashtagPage);
route("/@:username", pages.profilePage);
route("/search", pages.searchPage);
route("/upload", pages.uploadPage);
route("/signin", pages.signInPage);
route("/signup", pages.signUpPage);
route("/settings", pages.settingsPage);
route("/saved", pages.savedPage);
route("/.*", () => pages.notFound());

startTelemetry();
toastRegion();
onSessionChange(renderNav);
// Another tab signed in, out or as someone else: this one shows the page afresh as the person now signed in
// (open sheets and drafts of the one before close with it), and says why.
onSessionChangedElsewhere(() => {
  resolve();
  const now = currentUser();
  toast(now ? `You are signed in as @${now.username} (changed in another tab).` : "You signed out in another tab.");
});
loadSession().catch(() => {}).finally(() => startRouter((page, params, query) => void show(page, params, query)));
