/* Keyboard shortcuts for the agent's frequent actions. Each key presses the button the
   screen shows for that action, so a shortcut does exactly what a click would, and
   only when that button is visible and enabled (no accepting an offer that is not on
   screen). Keys never fire while the agent types (inputs, text areas, selects,
   editable text) or with Ctrl, Alt or Meta held (the browser's own shortcuts).
   Each button's title names its key; the legend (#shortcut-legend) lists them all. */
(function () {
  "use strict";
  const screen = document.getElementById("agent-screen");
  if (!screen) return;

  // key → the buttons that do it (the first one shown wins); hold and mute are the
  // call controls' buttons, found by id or by data-shortcut.
  const SHORTCUTS = [
    { key: "a", action: "accept", buttons: ["#accept-call"] },
    { key: "d", action: "decline", buttons: ["#decline-call"] },
    { key: "h", action: "hold", buttons: ["[data-shortcut=hold]", "#hold-call", "#resume-call"] },
    { key: "m", action: "mute", buttons: ["[data-shortcut=mute]", "#mute-call", "#unmute-call"] },
    { key: "e", action: "hang_up", buttons: ["#hang-up", "#leave-call"] },
    { key: "r", action: "wrap_up_done", buttons: ["#wrap-up-done"] },
  ];

  const shown = (el) => el && !el.disabled && el.offsetParent !== null && !el.closest(".hidden");

  function buttonFor(shortcut) {
    for (const selector of shortcut.buttons) {
      const found = Array.from(document.querySelectorAll(selector)).find(shown);
      if (found) return found;
    }
    return null;
  }

  function typing(target) {
    if (!target || target === document.body) return false;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
    if (typing(event.target)) return;
    const shortcut = SHORTCUTS.find((s) => s.key === event.key.toLowerCase());
    if (!shortcut) return;
    const button = buttonFor(shortcut);
    if (!button) return;
    event.preventDefault();
    button.click();
  });

  // Titles say the key on each button ("Accept (A)"), kept as buttons come and go.
  function label() {
    SHORTCUTS.forEach((shortcut) => shortcut.buttons.forEach((selector) =>
      document.querySelectorAll(selector).forEach((button) => {
        if (button.dataset.shortcutKey) return;
        button.dataset.shortcutKey = shortcut.key;
        const text = (button.title || button.textContent || "").trim();
        button.title = `${text} (${shortcut.key.toUpperCase()})`;
        button.setAttribute("aria-keyshortcuts", shortcut.key.toUpperCase());
      })));
  }
  document.addEventListener("helpline:agent-state", label);
  label();
})();
