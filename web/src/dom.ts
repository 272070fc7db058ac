// A tiny element builder. User text only ever reaches the page through textContent (strings passed as
// children become text nodes), never through innerHTML: a caption like <img onerror=...> stays text.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (key === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** Inline SVG icons, built from fixed path data (never from user input). */
const ICONS: Record<string, string> = {
  heart: "M12 21s-7.5-4.6-9.6-9.1C.9 8.6 2.9 4.5 6.7 4.5c2.1 0 3.6 1.1 5.3 3.1 1.7-2 3.2-3.1 5.3-3.1 3.8 0 5.8 4.1 4.3 7.4C19.5 16.4 12 21 12 21z",
  comment: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  bookmark: "M6 3h12a1 1 0 0 1 1 1v17l-7-5-7 5V4a1 1 0 0 1 1-1z",
  share: "M14 4l7 7-7 7v-4c-5 0-8.5 1.5-11 5 1-5 4-10 11-11V4z",
  more: "M5 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm7 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm7 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4z",
  muted: "M4 9h4l5-4v14l-5-4H4zM16 9l5 6M21 9l-5 6",
  sound: "M4 9h4l5-4v14l-5-4H4zM16 8a5 5 0 0 1 0 8M18.5 5.5a9 9 0 0 1 0 13",
  info: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 5.5a1.3 1.3 0 1 1 0 2.6 1.3 1.3 0 0 1 0-2.6zM10.8 11h2.4v6.5h-2.4z",
  plus: "M11 4h2v7h7v2h-7v7h-2v-7H4v-2h7z",
  check: "M9.5 16.2 5.3 12l-1.4 1.4 5.6 5.6L20.1 8.4 18.7 7z",
  play: "M8 5.1v13.8a.6.6 0 0 0 .9.5l10.6-6.9a.6.6 0 0 0 0-1L8.9 4.6a.6.6 0 0 0-.9.5z",
};

export function icon(name: keyof typeof ICONS | string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", ICONS[name] ?? "");
  svg.appendChild(path);
  return svg;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, "")}K`;
  return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}M`;
}

let toastTimer = 0;

/** The message area, made once at start so the first message is announced (a live region must exist before it changes). */
export function toastRegion(): HTMLElement {
  let el = document.getElementById("toast");
  if (!el) {
    el = h("div", { id: "toast", class: "toast", role: "status", "aria-live": "polite" });
    document.body.appendChild(el);
  }
  return el;
}

/**
 * A short, polite status message (announced by screen readers), with an optional action such as Undo. While a
 * modal sheet is open the message shows inside it: outside, it would sit behind the sheet and be inert.
 */
export function toast(message: string, action?: { label: string; run: () => void }): void {
  const el = toastRegion();
  const host = document.querySelector<HTMLDialogElement>("dialog[open]") ?? document.body;
  if (el.parentElement !== host) host.appendChild(el);
  el.replaceChildren(message);
  if (action) {
    const b = h("button", { type: "button", class: "toast-action" }, action.label);
    b.addEventListener("click", () => { el.classList.remove("show"); action.run(); });
    el.append(" ", b);
  }
  el.classList.toggle("actionable", !!action);
  el.classList.add("show");
  window.clearTimeout(toastTimer);
  // A message with an action stays long enough to reach it.
  toastTimer = window.setTimeout(() => el.classList.remove("show", "actionable"), action ? 8000 : 2600);
}

export const reducedMotion = (): boolean => window.matchMedia("(prefers-reduced-motion: reduce)").matches;

/**
 * ↑/↓ (and Home/End) move focus among the items <container> holds, as a menu or a list of suggestions
 * promises; ↑ from the first item goes to <before> when given (the search box above its suggestions).
 */
export function arrowKeys(container: HTMLElement, itemSelector: string, before?: HTMLElement): void {
  container.addEventListener("keydown", (e) => {
    const items = [...container.querySelectorAll<HTMLElement>(itemSelector)];
    const at = items.indexOf(document.activeElement as HTMLElement);
    if (at < 0) return;
    const to = e.key === "ArrowDown" ? Math.min(at + 1, items.length - 1)
      : e.key === "ArrowUp" ? at - 1
      : e.key === "Home" ? 0 : e.key === "End" ? items.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    if (to < 0) before?.focus();
    else items[to].focus();
  });
}
