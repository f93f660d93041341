/* The live wallboard: it fetches /wallboard/live.json every few seconds (data-poll-ms);
   every answer carries the whole picture, so a missed poll is healed by the next one.
   A poll, not a stream: an open wallboard holds none of the threads Twilio's webhooks
   need. The next poll starts only when the last has ended, so a slow server is never
   asked twice at once. */
(function () {
  "use strict";
  const root = document.getElementById("wallboard");
  if (!root) return;
  const fmt = window.helplineFormat;
  const labels = JSON.parse(root.dataset.labels);
  const stateLabels = JSON.parse(document.getElementById("state-labels").innerHTML);
  const reasonLabels = JSON.parse(document.getElementById("reason-labels").innerHTML);
  // Why an agent is where they are, as the agent's own screen says it ("On break ·
  // Missed offer"); an available or offline agent needs no reason.
  const reasonShown = (a) => (a.reason && !["available", "offline"].includes(a.state))
    ? " · " + (reasonLabels[a.reason] || a.reason) : "";
  const tiles = document.getElementById("tiles");
  const agentsBody = document.querySelector("#agents-table tbody");
  const status = document.getElementById("live-status");
  const PALETTE = ["#1f5f8b", "#2e7d4f", "#a86400", "#7a4cc2", "#b3261e", "#00838f",
                   "#6d4c41", "#c2185b", "#546e7a", "#558b2f", "#283593"];
  let chart = null;
  let received = 0;

  const pct = (v) => (v === null || v === undefined) ? "–" : Math.round(v * 100) + " %";
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  };

  function tile(lang) {
    const t = el("section", { class: "tile", id: "tile-" + lang.language, "data-language": lang.language });
    if (lang.waiting > 0 && lang.agents.available === 0) t.classList.add("alarm");
    else if (lang.waiting > 0) t.classList.add("busy");
    const h = el("h2"); h.append(el("span", {}, lang.name), el("span", { class: "muted small" }, lang.language));
    t.append(h);
    t.append(el("div", { class: "waiting", "data-field": "waiting" }, String(lang.waiting)));
    t.append(el("div", { class: "waiting-label" }, labels.waiting));
    const dl = el("dl");
    const row = (label, value, field) => { dl.append(el("dt", {}, label), el("dd", { "data-field": field }, value)); };
    row(labels.longest, fmt(lang.longest_wait_seconds), "longest");
    row(labels.available, String(lang.agents.available), "available");
    row(labels.on_call, String(lang.agents.on_call + lang.agents.reserved), "on_call");
    row(labels.wrap_up, String(lang.agents.wrap_up), "wrap_up");
    row(labels.break, String(lang.agents.break), "break");
    row(labels.service_level, pct(lang.service_level), "service_level");
    row(labels.abandon, pct(lang.abandon_rate), "abandon_rate");
    row(labels.asa, fmt(lang.average_speed_of_answer), "asa");
    row(labels.today, lang.offered_today + " / " + lang.answered_today, "today");
    t.append(dl);
    t.append(el("div", { class: "hint", "data-field": "agents_needed" }, labels.needed.replace("{n}", lang.agents_needed)));
    return t;
  }

  function renderChart(series) {
    if (!window.Chart) return;
    const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, "0"));
    const datasets = Object.entries(series).map(([code, counts], i) => ({
      label: code, data: counts, backgroundColor: PALETTE[i % PALETTE.length], stack: "calls",
    }));
    if (!chart) {
      chart = new window.Chart(document.getElementById("calls-chart"), {
        type: "bar", data: { labels: hours, datasets },
        options: { animation: false, responsive: true, maintainAspectRatio: false,
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      });
    } else {
      chart.data.datasets = datasets;
      chart.update();
    }
  }

  function render(live) {
    received += 1;
    root.dataset.updates = String(received);
    // Languages with nothing happening and nobody logged in stay off the wall.
    const shown = live.languages.filter((l) => l.waiting || l.offered_today ||
      Object.entries(l.agents).some(([state, n]) => state !== "offline" && n > 0));
    tiles.replaceChildren(...shown.map(tile));
    agentsBody.replaceChildren(...live.agents.map((a) => {
      const tr = el("tr", { "data-agent": a.id });
      const pill = el("span", { class: "pill " + a.state, "data-reason": a.reason || "" },
                      (stateLabels[a.state] || a.state) + reasonShown(a));
      const stateCell = el("td"); stateCell.append(pill);
      tr.append(el("td", {}, a.name), el("td", {}, a.languages.join(", ")), stateCell,
                el("td", { class: "timer" }, fmt(a.seconds_in_state)));
      return tr;
    }));
    renderChart(live.calls_per_hour);
    document.getElementById("live-at").textContent = new Date(live.at).toLocaleTimeString();
    // Other panels (the rota's, rota_panel.js) render from the same picture.
    root.dispatchEvent(new CustomEvent("helpline:live", { detail: live }));
  }

  const pollMs = Number(root.dataset.pollMs) || 2000;
  let timer = null;

  function showStatus(ok) {
    status.className = "live-status " + (ok ? "connected" : "disconnected");
    status.textContent = ok ? labels.connected : labels.disconnected;
  }

  async function poll() {
    timer = null;
    try {
      const response = await fetch(root.dataset.live, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (response.status === 401) { window.location.reload(); return; }  // signed out
      if (!response.ok) throw new Error("HTTP " + response.status);
      render(await response.json());
      showStatus(true);
    } catch (_error) {
      showStatus(false);
    }
    schedule(pollMs);
  }

  function schedule(ms) {
    if (timer === null) timer = window.setTimeout(poll, ms);
  }

  // A wallboard in a background tab asks at once when it is looked at again.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && timer !== null) { window.clearTimeout(timer); timer = null; poll(); }
  });

  document.addEventListener("DOMContentLoaded", () => {
    render(JSON.parse(document.getElementById("initial-live").innerHTML));
    poll();
  });
})();
