// A tiny history router: a path pattern per page, links intercepted so navigation stays in the page.

export type Params = Record<string, string>;
export type Page = (params: Params, query: URLSearchParams) => HTMLElement | Promise<HTMLElement>;
export type Cleanup = () => void;

interface Route { pattern: RegExp; keys: string[]; page: Page }

const routes: Route[] = [];
let render: (page: Page, params: Params, query: URLSearchParams) => void = () => {};

export function route(path: string, page: Page): void {
  const keys: string[] = [];
  const pattern = new RegExp("^" + path.replace(/:(\w+)/g, (_, key: string) => { keys.push(key); return "([^/]+)"; }) + "/?$");
  routes.push({ pattern, keys, page });
}

export function navigate(url: string, replace = false): void {
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  resolve();
}

export function resolve(): void {
  const { pathname, search } = window.location;
  for (const r of routes) {
    const match = r.pattern.exec(pathname);
    if (!match) continue;
    const params: Params = {};
    try {
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(match[i + 1]); });
    } catch {
      break; // a malformed address (a cut-off "%E0%A4"): the not-found page, not a blank one
    }
    render(r.page, params, new URLSearchParams(search));
    return;
  }
  render(routes[routes.length - 1].page, {}, new URLSearchParams(search));
}

export function startRouter(renderer: typeof render): void {
  render = renderer;
  window.addEventListener("popstate", resolve);
  document.addEventListener("click", (event) => {
    const a = (event.target as Element | null)?.closest?.("a");
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const href = a.getAttribute("href");
    if (!href || !href.startsWith("/") || href.startsWith("//") || a.target || a.hasAttribute("download")) return;
    event.preventDefault();
    navigate(href);
  });
  resolve();
}
