/* Admin → Prompts → Record: record a prompt with the microphone (MediaRecorder),
   listen back, record again or keep. Keep uploads the take with the page's CSRF token;
   the answer names the next unrecorded prompt, which opens by itself. */
(function () {
  "use strict";

  function start() {
    const take = document.querySelector("[data-take]");
    if (!take) return;
    const $ = (selector) => take.querySelector(selector);
    const status = $("[data-status]");
    const playback = $("[data-playback]");
    const buttons = {
      record: $("[data-action=record]"), stop: $("[data-action=stop]"),
      redo: $("[data-action=redo]"), keep: $("[data-action=keep]"),
    };
    let recorder = null, stream = null, chunks = [], blob = null;

    // The console's .hidden class: its buttons are display:inline-block, which would
    // win over the hidden attribute.
    const hide = (element, hidden) => element.classList.toggle("hidden", hidden);

    function show(state, text) {
      status.dataset.status = state;
      status.textContent = text || "";
      const taken = state === "recorded" || state === "refused";
      hide(buttons.record, state !== "idle" && state !== "error");
      hide(buttons.stop, state !== "recording");
      [buttons.redo, buttons.keep, playback].forEach((element) => hide(element, !taken));
      buttons.keep.disabled = state === "refused";
      buttons.redo.disabled = false;
    }

    buttons.record.addEventListener("click", async () => {
      if (!navigator.mediaDevices || !window.MediaRecorder) {
        show("error", status.dataset.textNoMicrophone);
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (error) {
        show("error", status.dataset.textNoMicrophone + " (" + error.name + ")");
        return;
      }
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", (event) => {
        if (event.data && event.data.size) chunks.push(event.data);
      });
      recorder.addEventListener("stop", () => {
        stream.getTracks().forEach((track) => track.stop());
        blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
        if (playback.src) URL.revokeObjectURL(playback.src);
        playback.src = URL.createObjectURL(blob);
        show("recorded");
      });
      recorder.start();
      show("recording", status.dataset.textRecording);
    });

    buttons.stop.addEventListener("click", () => {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    });

    buttons.redo.addEventListener("click", () => {
      blob = null;
      show("idle");
    });

    buttons.keep.addEventListener("click", async () => {
      if (!blob) return;
      const form = new FormData();
      form.append("audio", blob, "take.webm");
      form.append("variant", take.dataset.variant);
      buttons.keep.disabled = buttons.redo.disabled = true;
      show("saving", status.dataset.textSaving);
      let data = null, response = null;
      try {
        response = await fetch(take.dataset.uploadUrl, {
          method: "POST", body: form, credentials: "same-origin",
          headers: { Accept: "application/json",
                     "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content },
        });
        data = await response.json();
      } catch (error) {
        data = { error: String(error) };
      }
      if (response && response.ok && data && data.saved) {
        status.dataset.status = "kept";
        status.textContent = data.message || "";
        window.location.assign(data.next);
        return;
      }
      show("refused", (data && (data.error || data.message)) || response.statusText);
    });

    show("idle");
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
