/* The wallboard's rota panel: per language, who is on shift now and the next gap in
   coverage. wallboard.js hands every live picture over as a "helpline:live" event. */
(function () {
  "use strict";
  const root = document.getElementById("wallboard");
  const panel = document.getElementById("rota-panel");
  if (!root || !panel) return;
  const labels = JSON.parse(panel.dataset.labels);
  const body = panel.querySelector("tbody");
  const locale = document.documentElement.lang || "en";

  // "Thu 16:00" in the reader's language, in the helpline's time zone (not the browser's).
  function when(iso, zone) {
    if (!iso) return "…";
    return new Intl.DateTimeFormat(locale, { weekday: "short", hour: "2-digit", minute: "2-digit",
                                            hourCycle: "h23", timeZone: zone }).format(new Date(iso));
  }

  function gapText(row, zone) {
    if (!row.gap_from) return labels.covered;
    if (row.uncovered_now) {
      return row.gap_until ? labels.now_until.replace("{until}", when(row.gap_until, zone))
                           : labels.now_no_shift;
    }
    return when(row.gap_from, zone) + " – " + when(row.gap_until, zone);
  }

  function render(rota) {
    if (!rota) return;
    body.replaceChildren(...rota.languages.map((row) => {
      const tr = document.createElement("tr");
      tr.dataset.language = row.language;
      if (row.uncovered_now) tr.className = "uncovered";
      const cells = [row.name, row.on_shift.length ? row.on_shift.join(", ") : labels.nobody,
                     gapText(row, rota.timezone)];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 2) td.dataset.field = "gap";
        if (i === 1) td.dataset.field = "on_shift";
        tr.append(td);
      });
      return tr;
    }));
  }

  root.addEventListener("helpline:live", (event) => render(event.detail.rota));
})();
