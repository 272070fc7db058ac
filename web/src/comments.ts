import { del, get, post, q, type Comment, type Page, type Video } from "./api";
import { clear, h, toast } from "./dom";
import { currentUser } from "./session";
import { openSheet } from "./sheet";

// What a person was writing when the drawer closed (Escape, the backdrop, swiping on), kept per video for
// this page's life, as messaging apps keep a draft: closing is not a decision to throw the words away.
// Keyed by person as well, so that a draft never shows to whoever signs in next on a shared device.
const drafts = new Map<string, { text: string; replyTo: Comment | null }>();

/** The comments drawer: read, post, reply and delete one's own. */
export function openComments(video: Video, onCount: (delta: number) => void): void {
  const list = h("ol", { class: "comments", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "link-button", hidden: true }, "More comments");
  let cursor: string | null = null;
  let replyTo: Comment | null = null;
  // The video's count is the server's: every comment and every reply. Deleting a comment takes its
  // replies with it, so the drawer keeps how many each thread has.
  const threadReplies = new Map<number, number>();

  const replyLabel = h("div", { class: "reply-label", hidden: true });
  // The server's limit (CommentRules.MaxLength): a longer paste is cut here, and the counter says so.
  const input = h("textarea", { name: "text", rows: 1, maxlength: 1000, placeholder: "Add a comment…", "aria-label": "Comment" });
  const send = h("button", { type: "submit", class: "primary" }, "Post");
  const form = h("form", { class: "comment-form" }, replyLabel, h("div", { class: "row" }, input, send));

  const me = currentUser();
  if (!me) {
    clear(form);
    form.append(h("p", { class: "muted" }, h("a", { href: `/signin?next=${q(location.pathname)}` }, "Sign in"), " to comment."));
  }

  function setReply(comment: Comment | null): void {
    replyTo = comment;
    clear(replyLabel);
    replyLabel.hidden = !comment;
    if (comment) {
      replyLabel.append(`Replying to @${comment.author.username} `,
        h("button", { type: "button", class: "link-button", onclick: () => setReply(null) }, "Cancel"));
      input.focus();
    }
  }

  function row(c: Comment): HTMLElement {
    const replies = h("ol", { class: "replies" });
    if (c.parentId === null) threadReplies.set(c.id, c.replyCount);
    const actions = h("div", { class: "comment-actions" });
    if (me && c.parentId === null) actions.append(h("button", { type: "button", class: "link-button", onclick: () => setReply(c) }, "Reply"));
    if (c.replyCount > 0) {
      const show = h("button", { type: "button", class: "link-button" }, `View ${c.replyCount} ${c.replyCount === 1 ? "reply" : "replies"}`);
      show.addEventListener("click", async () => {
        show.remove();
        const page = await get<Page<Comment>>(`/api/videos/${video.id}/comments?parentId=${c.id}&count=50`);
        // A reply posted in this drawer is already shown.
        for (const r of page.items) if (!replies.querySelector(`[data-comment-id="${r.id}"]`)) replies.append(row(r));
      });
      actions.append(show);
    }
    const item = h("li", { class: "comment", "data-comment-id": c.id },
      h("a", { class: "comment-author", href: `/@${q(c.author.username)}` }, `@${c.author.username}`),
      h("p", { class: "comment-text", dir: "auto" }, c.text),
      actions, replies);
    if (me && (me.id === c.author.id || me.id === video.author.id)) {
      actions.append(h("button", {
        type: "button", class: "link-button danger", "aria-label": "Delete comment",
        onclick: async () => {
          try {
            await del(`/api/comments/${c.id}`);
            item.remove();
            if (c.parentId === null) {
              onCount(-1 - (threadReplies.get(c.id) ?? 0));
              threadReplies.delete(c.id);
            } else {
              onCount(-1);
              threadReplies.set(c.parentId, Math.max(0, (threadReplies.get(c.parentId) ?? 1) - 1));
            }
            // The delete button went with its comment: focus goes to the comment box, not to the page's start.
            input.focus();
            if (!list.querySelector("li.comment")) list.append(h("li", { class: "muted empty" }, "No comments yet. Be the first."));
            toast("Comment deleted");
          } catch (e) { toast((e as Error).message); }
        },
      }, "Delete"));
    }
    return item;
  }

  async function load(): Promise<void> {
    const page = await get<Page<Comment>>(`/api/videos/${video.id}/comments?count=30${cursor ? `&cursor=${q(cursor)}` : ""}`);
    for (const c of page.items) list.append(row(c));
    cursor = page.nextCursor;
    more.hidden = !cursor;
    if (!list.children.length) list.append(h("li", { class: "muted empty" }, "No comments yet. Be the first."));
  }
  more.addEventListener("click", () => void load());

  // Enter posts, as in every chat box; Shift+Enter starts a new line.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
  });

  let posting = false;
  // Post waits for something to post: an empty or blank comment is not sent, and the button says so.
  const syncSend = () => { send.disabled = posting || !input.value.trim(); };
  input.addEventListener("input", syncSend);
  syncSend();
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = input.value.trim();
    // Enter pressed again while the first post is on its way (a slow network) would post it twice.
    if (!text || posting) return;
    posting = true;
    send.disabled = true;
    try {
      const created = await post<Comment>(`/api/videos/${video.id}/comments`, { text, parentId: replyTo?.id ?? null });
      list.querySelector(".empty")?.remove();
      if (replyTo) {
        const parent = list.querySelector(`[data-comment-id="${replyTo.id}"] .replies`);
        parent?.append(row(created));
        threadReplies.set(replyTo.id, (threadReplies.get(replyTo.id) ?? 0) + 1);
      } else {
        list.append(row(created));
      }
      onCount(1);
      input.value = "";
      setReply(null);
    } catch (err) {
      toast((err as Error).message);
    } finally {
      posting = false;
      syncSend();
    }
  });

  const dialog = openSheet(`Comments`, h("div", { class: "comments-body" }, list, more, form), "comments-sheet");
  const draftKey = `${me?.id ?? 0}:${video.id}`;
  const draft = drafts.get(draftKey);
  if (me && draft) {
    input.value = draft.text;
    setReply(draft.replyTo);
    syncSend();
  }
  dialog.addEventListener("close", () => {
    if (me && input.value.trim()) drafts.set(draftKey, { text: input.value, replyTo });
    else drafts.delete(draftKey);
  });
  // The drawer opens ready to write in, for a signed-in person with a keyboard; on a touch screen that would
  // raise the on-screen keyboard over the comments they opened the drawer to read.
  if (me && !matchMedia("(pointer: coarse)").matches) input.focus();
  void load().catch((e) => toast((e as Error).message));
}
