/* The caption editor's enhancement, an ES module loaded on every page that acts only
   where the editor is (#editor-player next to the cue rows):
   - shows the "Set start/end to the player's time" buttons (hidden without JavaScript);
   - a press copies the player's current time, as hh:mm:ss.ttt, into that row's field
     and says so in the #status live region;
   - works again after htmx swaps the page (the buttons are found by delegation). */

/** `hh:mm:ss.ttt` for a time in seconds (what the editor's fields take). */
export function formatTime(seconds) {
  const total = Math.max(0, Math.round((Number(seconds) || 0) * 1000));
  const pad = (n, width) => String(n).padStart(width, "0");
  const hours = Math.floor(total / 3600000);
  const minutes = Math.floor((total % 3600000) / 60000);
  const secs = Math.floor((total % 60000) / 1000);
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}.${pad(total % 1000, 3)}`;
}

function reveal() {
  if (!document.getElementById("editor-player")) return;
  for (const element of document.querySelectorAll(".js-only[hidden]")) {
    element.hidden = false;
  }
}

function announce(message) {
  const status = document.getElementById("status");
  if (!status) return;
  status.textContent = "";
  /* A new text node a moment later, so the same words twice are announced twice. */
  window.setTimeout(() => { status.textContent = message; }, 50);
}

document.addEventListener("click", (event) => {
  const target = event.target;
  const button = target && target.closest ? target.closest("[data-set-time]") : null;
  if (!button) return;
  const player = document.getElementById("editor-player");
  const input = document.getElementById(button.getAttribute("data-set-time") || "");
  if (!player || !input) return;
  input.value = formatTime(player.currentTime);
  input.dispatchEvent(new Event("input", { bubbles: true }));
  announce(`${button.getAttribute("data-announce") || ""} ${input.value}`.trim());
});

document.addEventListener("htmx:afterSettle", reveal);
document.addEventListener("htmx:historyRestore", reveal);
reveal();
