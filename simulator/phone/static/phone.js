// The demo phone: dial a helpline number through the stand-in, read and hear the
// prompts, press keys that go to the live call. Plain JS, no libraries.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  let callSid = null;
  let poller = null;
  let shown = 0;

  async function api(method, path, body) {
    const response = await fetch(path, {
      method: method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = response.status === 204 ? {} : await response.json();
    if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
    return data;
  }

  // Each line has its own demo caller: one number for every line would make every
  // demo voicemail the same repeat caller's. A number typed by hand is kept.
  let typedFrom = false;

  async function loadNumbers() {
    const data = await api("GET", "/sim/numbers");
    const select = $("to");
    data.numbers.forEach((line) => {
      const option = document.createElement("option");
      option.value = line.number;
      option.dataset.caller = line.demo_caller || "";
      option.textContent = `${line.name} (${line.number}) — ${line.languages.join(", ")}`;
      select.appendChild(option);
    });
    useLineCaller();
  }

  function useLineCaller() {
    const option = $("to").selectedOptions[0];
    if (!typedFrom && option && option.dataset.caller) $("from").value = option.dataset.caller;
  }

  $("to").addEventListener("change", useLineCaller);
  $("from").addEventListener("input", () => { typedFrom = $("from").value !== ""; });

  function setInCall(inCall) {
    $("dial").disabled = inCall;
    $("hangup").disabled = !inCall;
  }

  function renderHeard(items) {
    const list = $("heard");
    for (; shown < items.length; shown++) {
      const item = items[shown];
      const li = document.createElement("li");
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = [item.verb, item.language, item.prompt_id].filter(Boolean).join(" · ");
      li.appendChild(meta);
      if (item.verb === "play") {
        const audio = document.createElement("audio");
        audio.controls = true;
        audio.src = item.audio_url;
        li.appendChild(audio);
        if ($("autoplay").checked) audio.play().catch(() => {});
      } else if (item.text) {
        const text = document.createElement("div");
        text.textContent = item.text;
        li.appendChild(text);
      }
      list.appendChild(li);
    }
    items.forEach((item, index) => {
      if (item.interrupted && list.children[index]) list.children[index].classList.add("interrupted");
    });
  }

  function renderDetails(call) {
    $("webhooks").replaceChildren(...call.webhooks.map((hook) => {
      const li = document.createElement("li");
      li.textContent = `${hook.purpose} ${hook.method} ${hook.url} → ${hook.status ?? hook.error} (${hook.latency_ms} ms)`;
      return li;
    }));
    $("notices").replaceChildren(...call.notices.map((notice) => {
      const li = document.createElement("li");
      li.textContent = `${notice.code}: ${notice.message}`;
      return li;
    }));
  }

  async function poll() {
    if (!callSid) return;
    try {
      const call = await api("GET", `/sim/calls/${callSid}`);
      renderHeard(call.heard);
      renderDetails(call);
      if (call.finished) {
        const outcome = call.outcome;
        $("status").textContent = `Call ended: ${outcome.kind}${outcome.agent ? " (" + outcome.agent + ")" : ""}.`;
        stop();
      } else {
        $("status").textContent = call.in_queue ? `Waiting in queue ${call.in_queue}…` : `In call (${call.status}).`;
      }
    } catch (error) {
      $("status").textContent = `Lost the call: ${error.message}`;
      stop();
    }
  }

  function stop() {
    clearInterval(poller);
    poller = null;
    callSid = null;
    setInCall(false);
  }

  $("dial-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("heard").replaceChildren();
    shown = 0;
    try {
      const data = await api("POST", "/sim/calls", { to: $("to").value, from: $("from").value || undefined, interactive: true });
      callSid = data.call_sid;
      setInCall(true);
      $("status").textContent = "Ringing…";
      poller = setInterval(poll, 400);
    } catch (error) {
      $("status").textContent = `Could not call: ${error.message}`;
    }
  });

  $("hangup").addEventListener("click", async () => {
    if (callSid) await api("POST", `/sim/calls/${callSid}/hangup`).catch(() => {});
  });

  $("keypad").addEventListener("click", async (event) => {
    const key = event.target.dataset && event.target.dataset.key;
    if (!key || !callSid) return;
    await api("POST", `/sim/calls/${callSid}/digits`, { digits: key }).catch(() => {});
  });

  document.addEventListener("keydown", (event) => {
    if (callSid && /^[0-9*#]$/.test(event.key) && document.activeElement.tagName !== "INPUT") {
      api("POST", `/sim/calls/${callSid}/digits`, { digits: event.key }).catch(() => {});
    }
  });

  setInCall(false);
  loadNumbers().catch((error) => { $("status").textContent = `Stand-in not reachable: ${error.message}`; });
})();
