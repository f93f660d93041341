/* The agent's screen. Presence, offers, accept/decline, hang-up and transfers go
   to the routing engine's JSON API; the softphone is Twilio's Voice SDK in
   production or the local stand-in's simulated phone (driven through this
   server) in development and tests. */
(function () {
  "use strict";
  const api = window.helplineApi, fmt = window.helplineFormat;
  const screen = document.getElementById("agent-screen");
  if (!screen) return;

  // Reads come from the console (times relative to the engine's clock); every change
  // goes to the routing engine's JSON API (call_routing.views).
  const ROUTES = {
    me: "/console/agent/state",
    presence: "/api/agents/me/state",
    accept: "/api/agents/me/offer/accept",
    decline: "/api/agents/me/offer/decline",
    wrapUpDone: "/api/agents/me/wrap-up/done",
    hangup: (sid) => `/api/calls/${encodeURIComponent(sid)}/hangup`,
    transfer: (sid) => `/api/calls/${encodeURIComponent(sid)}/transfer`,
    interpreter: (sid) => `/api/calls/${encodeURIComponent(sid)}/interpreter`,
  };
  const POLL_MS = 1000;
  const LIST_MS = 30000;
  const $ = (id) => document.getElementById(id);
  const labels = JSON.parse($("presence-labels").innerHTML);
  const reasonLabels = JSON.parse($("reason-labels").innerHTML);
  const offerTexts = JSON.parse($("offer-texts").innerHTML);
  // Breaks routing starts by itself when an offer is not taken (see agent_console.presence).
  const OFFER_BREAKS = ["missed", "declined"];
  const languageNames = JSON.parse($("language-names").innerHTML);
  const ring = new Audio(screen.dataset.ringUrl);
  ring.loop = true;

  let me = { state: "offline" };
  let fetchedAt = Date.now() / 1000;   // when `me` was read: relative times count from here
  let shownCall = null;
  let shownRole = null;       // owner or interpreter of the call on screen
  let offeredSid = null;
  let callStartedAt = null;
  let shownBreak = null;      // the break the menu was last set to show
  let menuChoice = null;      // the agent's own pick, restored once routing's break ends
  let listState = null;       // the state the work list was last loaded for
  const since = () => Date.now() / 1000 - fetchedAt;

  function showError(message) {
    const box = $("agent-error");
    box.textContent = message || "";
    box.classList.toggle("hidden", !message);
  }

  async function send(method, url, body) {
    try { showError(""); return await api(method, url, body); }
    catch (error) { showError(error.message); throw error; }
  }

  /* ---------- softphone ---------- */
  const softphone = {
    mode: null, device: null, incoming: null,
    async start() {
      try {
        const setup = await api("GET", "/console/softphone");
        this.mode = setup.mode;
        if (setup.mode === "twilio" && window.Twilio) {
          this.device = new window.Twilio.Device(setup.token, { closeProtection: true });
          this.device.on("incoming", (call) => { this.incoming = call; if (me.state === "on_call") call.accept(); });
          this.device.on("tokenWillExpire", async () => {
            const fresh = await api("GET", "/console/softphone");
            this.device.updateToken(fresh.token);
          });
          await this.device.register();
        } else if (setup.mode === "simulated") {
          await api("POST", "/console/softphone/register", {});
        }
        $("softphone-status").textContent = screen.dataset.softphoneReady || ("Softphone: " + setup.mode);
        $("softphone-status").dataset.mode = setup.mode;
      } catch (error) {
        $("softphone-status").textContent = "Softphone: " + error.message;
      }
    },
    async answer() {
      if (this.mode === "twilio") { if (this.incoming) this.incoming.accept(); return; }
      if (this.mode === "simulated") {
        // The bridge rings the simulated phone a moment after accept; keep trying briefly.
        for (let i = 0; i < 20; i++) {
          try { const r = await api("POST", "/console/softphone/answer", {}); if (r.answered) return; } catch (_) {}
          await new Promise((ok) => setTimeout(ok, 250));
        }
      }
    },
    async hangup() {
      if (this.mode === "twilio") { if (this.device) this.device.disconnectAll(); return; }
      if (this.mode === "simulated") { try { await api("POST", "/console/softphone/hangup", {}); } catch (_) {} }
    },
  };

  /* ---------- rendering the agent's state ----------
     Each htmx.ajax names its own element as the source: without one they all count
     as the page body's requests, and htmx keeps only the last of those queued. */
  const named = (text, name) => (text || "").replace("{name}", name || "");

  function renderBreak(state) {
    // The menu says why the agent is on break, including breaks routing started
    // (a missed or declined offer) which the agent cannot choose themselves.
    const reason = state === "break" ? (me.reason || "break") : null;
    const select = $("break-reason");
    if (reason !== shownBreak) {
      if (reason && select.querySelector(`option[value="${CSS.escape(reason)}"]`)) {
        if (!shownBreak) menuChoice = select.value;
        select.value = reason;
      } else if (!reason && menuChoice !== null) {
        select.value = menuChoice; menuChoice = null;
      }
      shownBreak = reason;
    }
    const fromOffer = OFFER_BREAKS.includes(reason);
    $("offer-break").classList.toggle("hidden", !fromOffer);
    if (fromOffer) $("offer-break-text").textContent = $("offer-break-text").dataset[reason];
    const why = reason ? (reasonLabels[reason] || reason) : "";
    $("presence-state").textContent = (labels[state] || state) + (why ? " · " + why : "");
  }

  function renderOffer(offer) {
    const kind = offer.kind || (offer.callback ? "callback" : "call");
    $("offer").dataset.kind = kind;
    $("offer-title").textContent = offerTexts.title[kind] || offerTexts.title.call;
    $("offer-language").textContent = languageNames[offer.language] || offer.language;
    $("offer-dialect").textContent = offer.dialect ? (languageNames[offer.dialect] || offer.dialect) : "";
    $("offer-dialect").classList.toggle("hidden", !offer.dialect);
    $("offer-urgent").classList.toggle("hidden", !offer.urgent);
    $("offer-repeat").classList.toggle("hidden", !offer.repeat_caller);
    $("offer-caller").classList.toggle("hidden", !offer.caller_reference);
    $("offer-caller-reference").textContent = offer.caller_reference || "";
    // "Waiting for {time}", "Asked to be called back {time} ago": the word order is
    // the translation's, the ticking time goes where it puts {time}.
    const [before, after] = (offerTexts.waited[kind] || offerTexts.waited.call).split("{time}");
    $("offer-waited-before").textContent = before || "";
    $("offer-waited-after").textContent = after || "";
    $("offer-waited").textContent = fmt(offer.waited_seconds + since());
    $("offer-hint").textContent = named(offerTexts.hint[kind], offer.owner_name);
    $("offer-countdown").textContent = Math.max(0, Math.ceil(offer.seconds_left - since()));
  }

  function renderInterpreter(onCall) {
    // The owner of the call sees whom they invited join and leave.
    const box = $("interpreter-status");
    const who = onCall && me.call_role === "owner" ? me.interpreter : null;
    box.classList.toggle("hidden", !who);
    if (who) {
      const where = who.where === "gone" ? (who.joined_once ? "left" : "notJoined") : who.where;
      box.dataset.where = where;
      box.textContent = named(box.dataset[where], who.name);
    }
    const interpreting = onCall && me.call_role === "interpreter";
    $("interpreting-for").classList.toggle("hidden", !interpreting);
    if (interpreting) $("interpreting-for").textContent = named($("interpreting-for").dataset.text, me.owner_name);
    $("hang-up").classList.toggle("hidden", interpreting);
    $("leave-call").classList.toggle("hidden", !interpreting);
    $("call-tools").classList.toggle("hidden", interpreting);
  }

  function renderForced() {
    // A supervisor set this state (forced from the wallboard): say who, and why.
    const box = $("forced-notice");
    const forced = me.forced_by;
    box.classList.toggle("hidden", !forced);
    if (!forced) return;
    const because = forced.note ? " " + (box.dataset.because || "").replace("{note}", forced.note) : "";
    box.textContent = named(box.dataset.text, forced.name) + because;
  }

  function render() {
    const state = me.state || "offline";
    renderForced();
    // Other scripts of this screen (shortcuts.js) follow the agent's state.
    document.dispatchEvent(new CustomEvent("helpline:agent-state", { detail: me }));
    const stateEl = $("presence-state");
    stateEl.dataset.state = state;
    stateEl.dataset.reason = me.reason || "";
    renderBreak(state);
    document.querySelectorAll("[data-presence]").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.presence === state)));
    $("presence-since").textContent = me.seconds_in_state !== null && me.seconds_in_state !== undefined
      ? fmt(me.seconds_in_state + since()) : "";

    const offer = state === "reserved" ? me.offer : null;
    $("offer").classList.toggle("hidden", !offer);
    if (offer) {
      if (offeredSid !== offer.call_sid) {
        offeredSid = offer.call_sid;
        ring.currentTime = 0; ring.play().catch(() => {});
      }
      renderOffer(offer);
    } else if (offeredSid) {
      offeredSid = null; ring.pause();
    }

    const onCall = state === "on_call" && me.call_sid;
    $("active-call").classList.toggle("hidden", !onCall);
    renderInterpreter(onCall);
    if (onCall && shownCall !== me.call_sid) {
      shownCall = me.call_sid;
      shownRole = me.call_role;
      callStartedAt = Date.now() / 1000 - (me.seconds_in_state || 0);
      window.htmx.ajax("GET", `/console/calls/${encodeURIComponent(me.call_sid)}/panel`, { source: "#call-panel", target: "#call-panel" });
      if (me.call_role === "interpreter") {
        // Read only: the ticket is in the panel; the owner writes it.
        $("ticket-area").replaceChildren();
      } else {
        window.htmx.ajax("GET", `/console/tickets/new?call_sid=${encodeURIComponent(me.call_sid)}&embed=1`, { source: "#ticket-area", target: "#ticket-area" });
      }
    }
    if (onCall) $("call-timer").textContent = fmt(Date.now() / 1000 - callStartedAt);

    const wrapping = state === "wrap_up";
    $("wrap-up").classList.toggle("hidden", !wrapping);
    if (!wrapping) $("voicemail-taken").classList.add("hidden");
    if (wrapping) {
      $("wrap-up-timer").textContent = fmt((me.wrap_up_seconds_left || 0) - since());
    }
    if (!onCall && shownCall && state !== "on_call") {
      // An interpreter's read access ends with the call: nothing of it stays on screen.
      if (shownRole === "interpreter") $("call-panel").replaceChildren();
      shownCall = null; shownRole = null;
    }
    if (listState !== state) {
      // An accepted callback or voicemail leaves its list: reload what the agent looks at.
      listState = state;
      refreshList();
    }
  }

  async function refresh() {
    try { me = await api("GET", ROUTES.me); fetchedAt = Date.now() / 1000; }
    catch (error) { if (error.status === 401) window.location.reload(); }
    render();
  }

  /* ---------- actions ---------- */
  document.querySelectorAll("[data-presence]").forEach((button) =>
    button.addEventListener("click", async () => {
      const state = button.dataset.presence;
      const body = { state };
      if (state === "break") {
        const select = $("break-reason");
        // A routing break shown in the menu is not the agent's choice: take the first one.
        const chosen = select.selectedOptions[0] && !select.selectedOptions[0].disabled
          ? select.value : select.querySelector("option:not([disabled])").value;
        body.reason = chosen;
        shownBreak = null; menuChoice = null;
      }
      await send("POST", ROUTES.presence, body);
      await refresh();
    }));

  $("ready-again").addEventListener("click", async () => {
    await send("POST", ROUTES.presence, { state: "available" });
    await refresh();
  });

  $("accept-call").addEventListener("click", async () => {
    ring.pause();
    const kind = $("offer").dataset.kind;
    const offer = me.offer || {};
    const accepted = await send("POST", ROUTES.accept, {});
    await refresh();
    if (kind === "voicemail" || (accepted && accepted.kind === "voicemail")) {
      // Nobody to talk to: the agent wraps up with the voicemail (in a tab of its own,
      // so this screen keeps showing offers) and its ticket, now theirs, below.
      showVoicemail(accepted.recording_id || offer.recording_id, accepted.ticket_id);
      return;
    }
    softphone.answer();
  });
  $("decline-call").addEventListener("click", async () => {
    ring.pause();
    await send("POST", ROUTES.decline, {});
    await refresh();
  });
  $("hang-up").addEventListener("click", async () => {
    const sid = me.call_sid;
    // Ending the agent's leg is enough: the bridge's end puts the agent in wrap-up.
    // The API call covers a softphone that has already dropped.
    await softphone.hangup();
    try { await api("POST", ROUTES.hangup(sid), {}); } catch (_) { /* already ended */ }
    await refresh();
  });
  function showVoicemail(recordingId, ticketId) {
    if (recordingId) {
      $("voicemail-link").href = `/console/recordings/${encodeURIComponent(recordingId)}`;
      $("voicemail-taken").classList.remove("hidden");
    }
    if (ticketId) {
      window.htmx.ajax("GET", `/console/tickets/${encodeURIComponent(ticketId)}?embed=1`, { source: "#ticket-area", target: "#ticket-area" });
    }
  }

  $("leave-call").addEventListener("click", async () => {
    // An interpreter leaves by dropping their own leg; the call goes on without them.
    await softphone.hangup();
    await refresh();
  });
  $("transfer-to-queue").addEventListener("click", async () => {
    await send("POST", ROUTES.transfer(me.call_sid), { to_language: $("transfer-language").value });
    await refresh();
  });
  $("transfer-to-agent").addEventListener("click", async () => {
    await send("POST", ROUTES.transfer(me.call_sid), { to_agent_id: Number($("transfer-agent").value) });
    await refresh();
  });
  $("add-interpreter").addEventListener("click", async () => {
    await send("POST", ROUTES.interpreter(me.call_sid), { agent_id: Number($("transfer-agent").value) });
    await refresh();
  });
  $("wrap-up-done").addEventListener("click", async () => {
    await send("POST", ROUTES.wrapUpDone, {});
    await refresh();
  });

  /* ---------- work lists ---------- */
  function refreshList() {
    const tab = document.querySelector('[role=tab][aria-selected="true"]');
    if (tab && window.htmx) window.htmx.ajax("GET", tab.getAttribute("hx-get"), { source: "#work-list", target: "#work-list" });
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-call-back-now]");
    if (!button) return;
    button.disabled = true;
    try {
      await send("POST", button.dataset.callBackNow, {});
      await refresh();
      softphone.answer();
    } catch (_) { button.disabled = false; }
    refreshList();
  });

  softphone.start();
  refresh();
  setInterval(refresh, POLL_MS);
  setInterval(refreshList, LIST_MS);
})();
