/* The console's small amount of JavaScript: CSRF on every state-changing request,
   the agent's presence/offer/call controls, the Zawgyi warning, the transcript
   player and the live wallboard. No framework; htmx does the page fragments. */
(function () {
  "use strict";

  const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

  // Every POST/PUT/PATCH/DELETE from this page carries the CSRF token.
  async function api(method, url, body) {
    const options = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (method !== "GET") {
      options.headers["X-CSRFToken"] = csrfToken();
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body || {});
    }
    const response = await fetch(url, options);
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const error = new Error((data && data.message) || response.statusText);
      error.status = response.status; error.data = data;
      throw error;
    }
    return data;
  }
  window.helplineApi = api;

  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  const fmt = (seconds) => {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return "–";
    seconds = Math.max(0, Math.round(seconds));
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + String(s).padStart(2, "0");
  };
  window.helplineFormat = fmt;

  /* ---------- Zawgyi warning while typing Burmese ---------- */
  function watchZawgyi(field) {
    if (field.dataset.zawgyiBound) return;
    field.dataset.zawgyiBound = "1";
    let timer = null;
    const warning = document.getElementById(field.dataset.zawgyi);
    field.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        if (!/[\u1000-\u109f]/.test(field.value)) { warning.classList.add("hidden"); return; }
        try {
          const result = await api("POST", "/console/zawgyi", { text: field.value });
          warning.classList.toggle("hidden", !result.zawgyi);
        } catch (_) { /* the warning is advisory; typing must never be blocked */ }
      }, 400);
    });
  }

  /* ---------- Recording player: click a word to seek ---------- */
  function initPlayer(root) {
    const audio = root.querySelector("audio");
    const words = Array.from(root.querySelectorAll(".word[data-start]"));
    words.forEach((word) => word.addEventListener("click", () => {
      if (!audio) return;
      audio.currentTime = parseFloat(word.dataset.start);
      audio.play().catch(() => {});
    }));
    if (audio) audio.addEventListener("timeupdate", () => {
      const t = audio.currentTime;
      words.forEach((w) => w.classList.toggle("current",
        t >= parseFloat(w.dataset.start) && t < parseFloat(w.dataset.end)));
    });
  }

  /* ---------- Human transcription: claim, then submit (transcription's JSON API) ---------- */
  function initHumanTranscript(form) {
    const id = form.dataset.transcribe;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = form.querySelector("[data-problem]");
      try {
        if (form.dataset.claimed !== "true") {
          await api("POST", `/api/transcription/${id}/claim`, {});
          form.dataset.claimed = "true";
        }
        await api("POST", `/api/transcription/${id}/submit`, { text: form.elements.text.value });
        window.location.reload();
      } catch (error) { problem.textContent = error.message; }
    });
  }

  /* ---------- Behaviour the templates ask for by attribute ----------
     The Content-Security-Policy runs no inline script, so no onclick=/onchange=:
     a <select data-submit-on-change> submits its form (the UI language), and a
     tab in a [role=tablist] becomes the selected one when clicked (htmx loads it). */
  document.addEventListener("change", (event) => {
    const field = event.target.closest && event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.submit();
  });
  document.addEventListener("click", (event) => {
    const tab = event.target.closest && event.target.closest('[role="tablist"] [role="tab"]');
    if (!tab) return;
    tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]').forEach((other) => {
      other.setAttribute("aria-selected", other === tab ? "true" : "false");
    });
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-transcribe]").forEach(initHumanTranscript);
    document.querySelectorAll("[data-zawgyi]").forEach(watchZawgyi);
    document.querySelectorAll("[data-player]").forEach(initPlayer);
  });
  document.addEventListener("htmx:load", (event) => {
    event.detail.elt.querySelectorAll("[data-zawgyi]").forEach(watchZawgyi);
  });
})();
