import { h } from "./dom.ts";

let pending: Promise<string | null> | null = null;

/**
 * Asks for an API key in a modal dialog (Esc or Cancel gives null). Requests that meet a 401 at
 * the same time share one prompt.
 */
export function askForKey(reason: string): Promise<string | null> {
  pending ??= new Promise<string | null>((resolve) => {
    const input = h("input", { type: "password", name: "key", id: "api-key", autocomplete: "off", required: true, spellcheck: "false" });
    const dialog = h(
      "dialog",
      { class: "key-dialog", "aria-labelledby": "key-title" },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "key-title" }, "API key needed"),
        h("p", {}, reason, " It is kept for this browser tab only."),
        h("label", { for: "api-key" }, "API key"),
        input,
        h(
          "div",
          { class: "actions" },
          h("button", { type: "submit", value: "ok", class: "primary" }, "Use key"),
          h("button", { type: "submit", value: "cancel", formnovalidate: true }, "Cancel"),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      const key = dialog.returnValue === "ok" ? input.value.trim() : "";
      dialog.remove();
      pending = null;
      resolve(key || null);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pending;
}
