/* Supervisor controls on the wallboard: each agent row gets a "Manage" button that opens
   the state form (Ready / Break / Offline with a reason the agent sees), and the waiting
   work (callers, callbacks, voicemails) can be reassigned to a named agent who speaks
   its language. The agents table is redrawn by wallboard.js at every poll; this script
   adds its cells after each redraw ("helpline:live"), and keeps its own forms outside
   the table so a poll never wipes what the supervisor is choosing. */
(function () {
  "use strict";
  const root = document.getElementById("wallboard");
  const panel = document.getElementById("supervisor-controls");
  if (!root || !panel) return;
  const api = window.helplineApi, fmt = window.helplineFormat;
  const texts = JSON.parse(document.getElementById("supervisor-texts").innerHTML);
  const $ = (id) => document.getElementById(id);
  const fill = (text, values) => Object.entries(values).reduce(
    (out, [k, v]) => out.replace("{" + k + "}", v), text || "");
  let controlled = null;       // {id, name} of the agent in the state form
  let rowTools = [];           // functions adding cells to an agent row (listen & co.)

  function say(message, isError) {
    const box = $("supervisor-message");
    box.textContent = message || "";
    box.classList.toggle("error", !!isError);
  }

  async function send(url, body) {
    try { const result = await api("POST", url, body); return result; }
    catch (error) { say(error.message, true); throw error; }
  }

  /* ---------- the agents table ---------- */
  function decorate(live) {
    const table = document.getElementById("agents-table");
    const head = table.querySelector("thead tr");
    if (!head.querySelector("[data-actions]")) {
      const th = document.createElement("th");
      th.dataset.actions = "1"; th.textContent = texts.actions;
      head.append(th);
    }
    const byId = new Map(live.agents.map((a) => [String(a.id), a]));
    table.querySelectorAll("tbody tr[data-agent]").forEach((tr) => {
      const agent = byId.get(tr.dataset.agent);
      const cell = document.createElement("td");
      cell.className = "actions";
      const manage = document.createElement("button");
      manage.type = "button"; manage.className = "small";
      manage.dataset.manage = tr.dataset.agent;
      manage.textContent = texts.manage;
      manage.title = texts.manage + " " + (agent ? agent.name : "");
      cell.append(manage);
      rowTools.forEach((tool) => tool(cell, agent));
      tr.append(cell);
    });
  }

  document.addEventListener("click", (event) => {
    const manage = event.target.closest("[data-manage]");
    if (!manage) return;
    const tr = manage.closest("tr");
    controlled = { id: Number(manage.dataset.manage), name: tr.firstChild.textContent };
    $("control-agent-name").textContent = controlled.name;
    $("agent-control").classList.remove("hidden");
    $("agent-control").dataset.agent = String(controlled.id);
    $("force-reason").focus();
  });
  $("control-close").addEventListener("click", () => {
    controlled = null; $("agent-control").classList.add("hidden");
  });
  $("force-apply").addEventListener("click", async () => {
    if (!controlled) return;
    await send(`/api/agents/${controlled.id}/state`,
               { state: $("force-state").value, reason: $("force-reason").value });
    say(fill(texts.state_set, { name: controlled.name }));
    $("force-reason").value = "";
  });

  /* ---------- waiting work ---------- */
  const workBody = document.querySelector("#work-table tbody");

  function where(item) {
    if (item.state === "reserved" && item.offered_to_name) return fill(texts.offered, { name: item.offered_to_name });
    if (item.directed_to_name) return fill(texts.directed, { name: item.directed_to_name, time: fmt(item.directed_seconds_left) });
    return texts.waiting;
  }

  function workRow(item) {
    let tr = workBody.querySelector(`tr[data-sid="${CSS.escape(item.sid)}"]`);
    if (!tr) {
      tr = document.createElement("tr");
      tr.dataset.sid = item.sid;
      for (let i = 0; i < 5; i++) tr.append(document.createElement("td"));
      const select = document.createElement("select");
      select.setAttribute("aria-label", texts.reassign);
      const button = document.createElement("button");
      button.type = "button"; button.className = "small"; button.textContent = texts.reassign;
      button.dataset.reassign = item.sid;
      tr.cells[4].append(select, " ", button);
    }
    tr.dataset.kind = item.kind;
    tr.dataset.language = item.skill;
    tr.cells[0].textContent = (texts.kind[item.kind] || item.kind) + (item.urgent ? " !" : "");
    tr.cells[1].textContent = item.language_name;
    tr.cells[2].textContent = fmt(item.waited_seconds);
    tr.cells[3].textContent = where(item);
    const select = tr.cells[4].querySelector("select");
    const eligible = item.eligible.map((a) => a.id).join(",");
    if (select.dataset.eligible !== eligible) {
      // Rebuilt only when who may be named changes, keeping the supervisor's pick.
      const picked = select.value;
      select.replaceChildren(...item.eligible.map((a) => {
        const option = document.createElement("option");
        option.value = String(a.id); option.textContent = a.name;
        return option;
      }));
      if (item.eligible.some((a) => String(a.id) === picked)) select.value = picked;
      select.dataset.eligible = eligible;
    }
    select.disabled = item.eligible.length === 0;
    select.title = item.eligible.length ? "" : texts.nobody;
    tr.cells[4].querySelector("button").disabled = item.eligible.length === 0;
    return tr;
  }

  async function refreshWork() {
    try {
      const data = await api("GET", panel.dataset.work);
      const rows = data.work.map(workRow);
      workBody.replaceChildren(...rows);
      $("work-empty").classList.toggle("hidden", rows.length > 0);
    } catch (_) { /* the next poll tries again */ }
  }

  workBody.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-reassign]");
    if (!button) return;
    const select = button.parentElement.querySelector("select");
    const name = select.selectedOptions[0] ? select.selectedOptions[0].textContent : "";
    button.disabled = true;
    try {
      await send(`/api/supervision/work/${encodeURIComponent(button.dataset.reassign)}/reassign`,
                 { agent_id: Number(select.value) });
      say(fill(texts.reassigned, { name }));
    } finally { button.disabled = false; refreshWork(); }
  });

  // The waiting work is asked for at most every WORK_MS (not at every poll of the
  // wallboard's picture), and straight after a reassignment.
  const WORK_MS = 2000;
  let workAsked = 0;
  root.addEventListener("helpline:live", (event) => {
    decorate(event.detail);
    if (Date.now() - workAsked >= WORK_MS) { workAsked = Date.now(); refreshWork(); }
  });
  // Other controls (listen, whisper, barge) add their buttons to each agent row.
  window.helplineSupervisor = { addRowTool: (tool) => rowTools.push(tool), say, send };
})();
