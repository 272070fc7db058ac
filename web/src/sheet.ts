import { h } from "./dom";

// Sheets and menus are <dialog> elements opened with showModal(): the browser traps focus, closes them
// on Escape, and marks the rest of the page inert, which no hand-written overlay gets fully right.
export function openSheet(title: string, body: HTMLElement, className = ""): HTMLDialogElement {
  const heading = h("h2", { class: "sheet-title" }, title);
  const close = h("button", { class: "icon-button close", type: "button", "aria-label": "Close" }, "×");
  const dialog = h("dialog", { class: `sheet ${className}`.trim() },
    h("header", { class: "sheet-head" }, heading, close),
    body);
  const id = `sheet-${Math.random().toString(36).slice(2)}`;
  heading.id = id;
  dialog.setAttribute("aria-labelledby", id);
  close.addEventListener("click", () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it, as on the apps people know.
  dialog.addEventListener("click", (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
    if (!inside) dialog.close();
  });
  dialog.addEventListener("close", () => {
    // A message shown inside the sheet outlives it.
    const message = dialog.querySelector("#toast");
    if (message) document.body.appendChild(message);
    dialog.remove();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return dialog;
}
