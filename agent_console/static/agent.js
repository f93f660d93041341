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
  const $ = (id) => document.getElementById(id);
  const labels = JSON.parse($("presence-labels").innerHTML);
  const languageNames = JSON.parse($("language-names").innerHTML);
  const ring = new Audio(screen.dataset.ringUrl);
  ring.loop = true;

  let me = { state: "offline" };
  let fetchedAt = Date.now() / 1000;   // when `me` was read: relative times count from here
  let shownCall = null;
  let offeredSid = null;
  let callStartedAt = null;
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

  /* ---------- rendering the agent's state ---------- */
  function render() {
    const state = me.state || "offline";
    const stateEl = $("presence-state");
    stateEl.textContent = labels[state] || state;
    stateEl.dataset.state = state;
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
      $("offer-language").textContent = languageNames[offer.language] || offer.language;
      $("offer-dialect").textContent = offer.dialect ? (languageNames[offer.dialect] || offer.dialect) : "";
      $("offer-dialect").classList.toggle("hidden", !offer.dialect);
      $("offer-waited").textContent = fmt(offer.waited_seconds + since());
      $("offer-countdown").textContent = Math.max(0, Math.ceil(offer.seconds_left - since()));
    } else if (offeredSid) {
      offeredSid = null; ring.pause();
    }

    const onCall = state === "on_call" && me.call_sid;
    $("active-call").classList.toggle("hidden", !onCall);
    if (onCall && shownCall !== me.call_sid) {
      shownCall = me.call_sid;
      callStartedAt = Date.now() / 1000 - (me.seconds_in_state || 0);
      window.htmx.ajax("GET", `/console/calls/${encodeURIComponent(me.call_sid)}/panel`, { target: "#call-panel" });
      window.htmx.ajax("GET", `/console/tickets/new?call_sid=${encodeURIComponent(me.call_sid)}&embed=1`, { target: "#ticket-area" });
    }
    if (onCall) $("call-timer").textContent = fmt(Date.now() / 1000 - callStartedAt);

    const wrapping = state === "wrap_up";
    $("wrap-up").classList.toggle("hidden", !wrapping);
    if (wrapping) {
      $("wrap-up-timer").textContent = fmt((me.wrap_up_seconds_left || 0) - since());
    }
    if (!onCall && !wrapping && shownCall && state !== "on_call") shownCall = null;
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
      if (state === "break") body.reason = $("break-reason").value;
      await send("POST", ROUTES.presence, body);
      await refresh();
    }));

  $("accept-call").addEventListener("click", async () => {
    ring.pause();
    const sid = offeredSid;
    await send("POST", ROUTES.accept, {});
    await refresh();
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

  softphone.start();
  refresh();
  setInterval(refresh, POLL_MS);
})();
