import { h } from "./dom";

// Splits a caption into text, #hashtag and @mention pieces and builds links from them. Every piece goes
// in as a text node: the caption is never parsed as HTML.
const TOKEN = /([#@])([\p{L}\p{N}_]{1,64})/gu;

/**
 * @param known the mentions the server resolved to accounts (a video's `mentions`); an @name not among them
 * stays text rather than a link to "not found". Omitted, every @name is a link.
 */
export function captionNodes(caption: string, known?: string[]): Node[] {
  const resolved = known ? new Set(known.map((m) => m.toLowerCase())) : null;
  const nodes: Node[] = [];
  let last = 0;
  for (const match of caption.matchAll(TOKEN)) {
    const at = match.index ?? 0;
    // Only at the start or after a space or punctuation: "a#b" is not a hashtag.
    if (at > 0 && /[\p{L}\p{N}_]/u.test(caption[at - 1])) continue;
    if (match[1] === "@" && resolved && !resolved.has(match[2].toLowerCase())) continue;
    if (at > last) nodes.push(document.createTextNode(caption.slice(last, at)));
    const [text, sigil, name] = match;
    const href = sigil === "#" ? `/tag/${encodeURIComponent(name.toLowerCase())}` : `/@${encodeURIComponent(name)}`;
    nodes.push(h("a", { href, class: sigil === "#" ? "tag" : "mention" }, text));
    last = at + text.length;
  }
  if (last < caption.length) nodes.push(document.createTextNode(caption.slice(last)));
  return nodes;
}
