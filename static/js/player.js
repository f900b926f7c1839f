/* PinkFlow's player: enhances the watch page's native <video> (which keeps working
   without JavaScript) from the markup the server renders. No words live here: every
   label and announcement comes from data-msg-* attributes and <template>s rendered
   from the copy catalogue at the viewer's reading level.
   - a control bar of real buttons and selects (play, ±5 s, position, speed with
     "Normal speed", captions, mute, full screen), time as text, every change
     announced in #status;
   - the signed edition as a second <video> kept in sync (play, pause, seek, speed;
     drift nudged by playbackRate and corrected by seeking), picture in picture or side
     by side (html[data-sign-layout|corner|size]), swap, on/off and a chooser; the
     layout form is saved with fetch;
   - captions rendered in .captions-display (tracks in "hidden" mode), placed over or
     below the picture by CSS (html[data-caption-position]);
   - the transcript: cues are buttons that seek, the current one aria-current, scrolled
     to only when motion is allowed (focus never moves), search with highlighted
     matches (player-search.js, loaded first), and it follows the chosen caption track;
   - loop A–B, frame steps at the stored frame rate, slow motion, mirror;
   - chapters as buttons, the current chapter shown;
   - single-key shortcuts only while focus is inside the player, never in form fields,
     and none when html[data-shortcuts="off"]. */
(function () {
  "use strict";

  var RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];
  var STEP = 5;
  var html = document.documentElement;

  function motionAllowed() {
    var m = html.getAttribute("data-motion");
    if (m === "true") return false;
    if (m === "false") return true;
    return !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function clock(seconds) {
    var s = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(s / 3600);
    var m = Math.floor((s % 3600) / 60);
    var sec = String(s % 60).padStart(2, "0");
    return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + sec : m + ":" + sec;
  }

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : all;
    });
  }

  function say(text) {
    var status = document.getElementById("status");
    if (!status || !text) return;
    /* The same words twice in a row are still a change, so they are announced again. */
    status.textContent = status.textContent === text ? text + "\u00a0" : text;
  }

  function csrfToken() {
    var meta = document.getElementById("page-meta");
    return meta ? meta.getAttribute("data-csrf-token") || "" : "";
  }

  /* Put an element's children into a button (the markup is server-rendered text). */
  function buttonise(li, className) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = className;
    while (li.firstChild) button.appendChild(li.firstChild);
    li.appendChild(button);
    return button;
  }

  /* Scroll `item` into view inside its scrollable `box`, never the page, never focus. */
  function reveal(box, item) {
    if (!box || !item || !motionAllowed()) return;
    var top = item.offsetTop - box.clientHeight / 3;
    if (typeof box.scrollTo === "function") box.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
    else box.scrollTop = Math.max(0, top);
  }

  function isField(el) {
    if (!el || !el.tagName) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || el.isContentEditable;
  }

  function enhance(root) {
    if (root.hasAttribute("data-enhanced")) return;
    var box = root.querySelector("#player-box");
    var screen = root.querySelector("#player-screen");
    var stage = root.querySelector("#player-stage");
    var main = root.querySelector("#player");
    var template = root.querySelector("#player-controls-template");
    if (!box || !screen || !stage || !main || !template || !template.content) return;
    root.setAttribute("data-enhanced", "true");
    var msg = template.dataset;
    var controls = template.content.firstElementChild.cloneNode(true);
    box.appendChild(controls);
    main.removeAttribute("controls");
    main.setAttribute("tabindex", "0");
    var fps = parseFloat(root.getAttribute("data-frame-rate"));
    if (!(fps > 0)) fps = 25;

    function $(id) { return root.querySelector("#" + id); }
    var playButton = $("pc-play");
    var muteButton = $("pc-mute");
    var fullButton = $("pc-fullscreen");
    var timeText = $("pc-time");
    var position = $("pc-position");
    var speed = $("pc-speed");
    var captionsSelect = $("pc-captions");
    var signBox = $("player-sign");
    var sign = $("sign-video");
    var signButton = $("pc-sign");
    var swapButton = $("pc-swap");
    var editionSelect = $("pc-edition");
    var mirrorButton = $("pc-mirror");
    var loop = { a: null, b: null };
    var chosenTrack = null; /* the TextTrack the captions and transcript follow */
    var captionsOn = false;
    var lastCaptionId = "";

    /* ---- Captions: our own rendering; the native one is switched off. ---- */
    var display = document.createElement("div");
    display.className = "captions-display";
    display.setAttribute("aria-hidden", "true");
    screen.appendChild(display);

    var trackElements = Array.prototype.slice.call(main.querySelectorAll("track[data-track-id]"));
    function trackFor(id) {
      var el = trackElements.find(function (t) { return t.getAttribute("data-track-id") === id; });
      return el ? el.track : null;
    }
    var parser = new DOMParser();
    function plain(line) {
      return parser.parseFromString(line, "text/html").body.textContent || "";
    }
    function renderCaptions() {
      display.textContent = "";
      if (!captionsOn || !chosenTrack || !chosenTrack.activeCues) return;
      Array.prototype.forEach.call(chosenTrack.activeCues, function (cue) {
        String(cue.text || "").split("\n").forEach(function (line) {
          var text = plain(line).trim();
          if (!text) return;
          var span = document.createElement("span");
          span.className = "caption-cue";
          span.textContent = text;
          display.appendChild(span);
        });
      });
    }

    /* ---- Transcript ---- */
    var transcript = document.getElementById("transcript");
    var tracksShown = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".transcript-track")) : [];
    tracksShown.forEach(function (block) {
      block.querySelectorAll(".transcript-lines li[data-start]").forEach(function (li) {
        var b = buttonise(li, "cue-button");
        b.setAttribute("data-start", li.getAttribute("data-start"));
        if (msg.msgSeek) b.setAttribute("title", msg.msgSeek);
      });
    });
    if (transcript) {
      transcript.addEventListener("click", function (event) {
        var b = event.target.closest && event.target.closest(".cue-button");
        if (!b) return;
        seekTo(parseFloat(b.getAttribute("data-start")) + 0.001);
        say(fill(msg.msgAt, { t: clock(main.currentTime) }));
      });
    }
    function visibleTranscript() {
      return tracksShown.find(function (b) { return !b.hidden; }) || null;
    }
    function markCurrentCue() {
      var block = visibleTranscript();
      if (!block) return;
      var starts = [];
      if (chosenTrack && chosenTrack.activeCues) {
        Array.prototype.forEach.call(chosenTrack.activeCues, function (c) { starts.push(c.startTime); });
      }
      var buttons = block.querySelectorAll(".cue-button");
      var current = null;
      if (starts.length) {
        var t = Math.min.apply(null, starts) + 0.001;
        buttons.forEach(function (b) {
          if (parseFloat(b.getAttribute("data-start")) <= t) current = b;
        });
      }
      buttons.forEach(function (b) {
        if (b === current) b.setAttribute("aria-current", "true");
        else b.removeAttribute("aria-current");
      });
      if (current) reveal(block.querySelector(".transcript-lines"), current.parentElement);
    }
    function onCueChange() {
      renderCaptions();
      markCurrentCue();
    }

    function chooseTrack(id, announce) {
      var track = id ? trackFor(id) : null;
      trackElements.forEach(function (el) {
        if (el.track && el.track !== (track || chosenTrack)) el.track.mode = "disabled";
      });
      if (track) {
        if (chosenTrack && chosenTrack !== track) chosenTrack.removeEventListener("cuechange", onCueChange);
        chosenTrack = track;
        track.mode = "hidden";
        track.addEventListener("cuechange", onCueChange);
        lastCaptionId = id;
        tracksShown.forEach(function (b) { b.hidden = b.getAttribute("data-track-id") !== id; });
        search.reset();
      } else if (chosenTrack) {
        chosenTrack.mode = "hidden"; /* the transcript keeps following it */
      }
      captionsOn = !!track;
      if (captionsSelect) captionsSelect.value = track ? id : "";
      onCueChange();
      if (announce) {
        var option = captionsSelect && captionsSelect.selectedOptions[0];
        say(track ? fill(msg.msgCaptionsOn, { name: option ? option.textContent : "" }) : msg.msgCaptionsOff);
      }
    }

    /* ---- Text descriptions (player-descriptions.js) ---- */
    if (window.PinkFlowDescriptions) {
      window.PinkFlowDescriptions({ video: main, select: $("pc-descriptions"), box: $("pc-description"), text: $("pc-description-text"), msg: msg, say: say, fill: fill });
    }

    /* ---- Transcript search (player-search.js) ---- */
    var search = window.PinkFlowTranscriptSearch
      ? window.PinkFlowTranscriptSearch({ transcript: transcript, msg: msg, visible: visibleTranscript, reveal: reveal, say: say, fill: fill })
      : { reset: function () {} };

    /* ---- Chapters ---- */
    var chapters = Array.prototype.slice.call(root.querySelectorAll(".chapter-list li[data-start]")).map(function (li) {
      var b = buttonise(li, "chapter-button");
      var title = li.querySelector(".chapter-title");
      b.addEventListener("click", function () {
        seekTo(parseFloat(li.getAttribute("data-start")) + 0.001);
        say(fill(msg.msgChapter, { name: title ? title.textContent : "" }));
      });
      return { start: parseFloat(li.getAttribute("data-start")), button: b, name: title ? title.textContent : "" };
    });
    var chapterNow = $("chapter-current");
    var chapterName = $("chapter-current-name");
    var currentChapter = null;
    function updateChapter(announce) {
      if (!chapters.length) return;
      var t = main.currentTime;
      var found = null;
      chapters.forEach(function (c) { if (c.start <= t + 0.001) found = c; });
      if (found === currentChapter) return;
      currentChapter = found;
      chapters.forEach(function (c) {
        if (c === found) c.button.setAttribute("aria-current", "true");
        else c.button.removeAttribute("aria-current");
      });
      if (chapterNow) chapterNow.hidden = !found;
      if (chapterName) chapterName.textContent = found ? found.name : "";
      if (found && announce && !main.paused) say(fill(msg.msgChapter, { name: found.name }));
    }

    /* ---- Time, position and the loop ---- */
    function updateTime() {
      var d = isFinite(main.duration) ? main.duration : parseFloat(position.max) || 0;
      var words = fill(msg.msgTime, { t: clock(main.currentTime), d: clock(d) });
      timeText.textContent = words;
      if (d > 0) position.max = String(d);
      if (document.activeElement !== position) position.value = String(main.currentTime);
      position.setAttribute("aria-valuetext", words);
    }
    function keepLoop() {
      if (loop.a !== null && loop.b !== null && main.currentTime >= loop.b) {
        main.currentTime = loop.a;
      }
    }
    function tick() {
      keepLoop();
      updateTime();
      updateChapter(true);
      keepSignInSync();
    }
    function frameLoop() {
      if (typeof main.requestVideoFrameCallback !== "function") return;
      main.requestVideoFrameCallback(function () {
        tick();
        if (!main.paused) frameLoop();
      });
    }

    function seekTo(t) {
      var d = isFinite(main.duration) ? main.duration : Infinity;
      main.currentTime = Math.max(0, Math.min(t, d));
      if (sign && !signBox.hidden) sign.currentTime = main.currentTime;
      updateTime();
    }

    /* ---- The signed edition ---- */
    var signOn = !!sign;
    var syncTimer = null;
    function keepSignInSync() {
      if (!sign || !signOn || sign.readyState < 1) return;
      var rate = main.playbackRate;
      var drift = sign.currentTime - main.currentTime;
      if (main.paused || main.seeking) {
        if (!sign.paused) sign.pause();
        if (Math.abs(drift) > 0.02 && !main.seeking) sign.currentTime = main.currentTime;
        sign.playbackRate = rate;
        return;
      }
      if (isFinite(sign.duration) && main.currentTime > sign.duration) return;
      if (Math.abs(drift) > 0.25) {
        sign.currentTime = main.currentTime + 0.05 * rate;
        sign.playbackRate = rate;
      } else if (Math.abs(drift) > 0.04) {
        sign.playbackRate = rate * (drift > 0 ? 0.85 : 1.15);
      } else {
        sign.playbackRate = rate;
      }
      if (sign.paused) sign.play().catch(function () {});
    }
    function startSync() {
      if (!syncTimer) syncTimer = window.setInterval(keepSignInSync, 100);
    }
    function stopSync() {
      if (syncTimer) window.clearInterval(syncTimer);
      syncTimer = null;
      keepSignInSync();
    }
    function setSign(on, announce) {
      if (!sign) return;
      signOn = on;
      signBox.hidden = !on;
      if (signButton) signButton.setAttribute("aria-pressed", on ? "true" : "false");
      if (on) {
        sign.currentTime = main.currentTime;
        sign.playbackRate = main.playbackRate;
        if (!main.paused) sign.play().catch(function () {});
      } else {
        sign.pause();
        if (stage.classList.contains("player-swapped")) setSwap(false, false);
      }
      if (announce) say(on ? msg.msgSignOn : msg.msgSignOff);
    }
    function setSwap(on, announce) {
      if (!sign) return;
      if (on && !signOn) setSign(true, false);
      stage.classList.toggle("player-swapped", on);
      if (swapButton) swapButton.setAttribute("aria-pressed", on ? "true" : "false");
      if (announce) say(on ? msg.msgSwapped : msg.msgUnswapped);
    }
    if (sign) {
      signBox.hidden = false;
      sign.muted = true;
      sign.addEventListener("loadedmetadata", function () {
        sign.currentTime = main.currentTime;
        sign.playbackRate = main.playbackRate;
        if (!main.paused && signOn) sign.play().catch(function () {});
      });
    }
    if (editionSelect && sign) {
      editionSelect.addEventListener("change", function () {
        var option = editionSelect.selectedOptions[0];
        if (!option) return;
        sign.src = option.getAttribute("data-src");
        sign.setAttribute("data-edition-id", option.value);
        sign.load();
        if (!signOn) setSign(true, false);
        say(fill(msg.msgEdition, { name: option.textContent }));
      });
    }

    /* ---- Speed ---- */
    function setRate(rate, announce) {
      main.playbackRate = rate;
      main.defaultPlaybackRate = rate;
      if (sign) sign.playbackRate = rate;
      speed.value = String(rate);
      root.querySelectorAll('[data-action="slow"]').forEach(function (b) {
        b.setAttribute("aria-pressed", parseFloat(b.getAttribute("data-rate")) === rate ? "true" : "false");
      });
      if (announce) say(fill(msg.msgSpeed, { n: rate }));
    }
    function stepRate(by) {
      var i = RATES.indexOf(main.playbackRate);
      if (i < 0) i = RATES.indexOf(1);
      setRate(RATES[Math.max(0, Math.min(RATES.length - 1, i + by))], true);
    }

    /* ---- Actions ---- */
    function togglePlay() {
      if (main.paused || main.ended) main.play().catch(function () {});
      else main.pause();
      playButton.textContent = main.paused ? msg.msgPlay : msg.msgPause;
    }
    function frame(by) {
      main.pause();
      seekTo(main.currentTime + by / fps);
      say(fill(msg.msgFrame, { t: clock(main.currentTime) }));
    }
    function toggleMirror() {
      var on = !root.classList.contains("player-mirrored");
      root.classList.toggle("player-mirrored", on);
      mirrorButton.setAttribute("aria-pressed", on ? "true" : "false");
      say(on ? msg.msgMirrorOn : msg.msgMirrorOff);
    }
    function toggleCaptions() {
      if (!captionsSelect) return;
      var first = captionsSelect.options[1] ? captionsSelect.options[1].value : "";
      chooseTrack(captionsOn ? "" : lastCaptionId || first, true);
    }
    function toggleFullscreen() {
      if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
      else if (box.requestFullscreen) box.requestFullscreen().catch(function () {});
    }
    var actions = {
      play: togglePlay,
      back: function () { seekTo(main.currentTime - STEP); say(fill(msg.msgAt, { t: clock(main.currentTime) })); },
      forward: function () { seekTo(main.currentTime + STEP); say(fill(msg.msgAt, { t: clock(main.currentTime) })); },
      normal: function () { setRate(1, true); },
      mute: function () {
        main.muted = !main.muted;
        showMuted();
        say(main.muted ? msg.msgMuted : msg.msgUnmuted);
      },
      fullscreen: toggleFullscreen,
      sign: function () { setSign(!signOn, true); },
      swap: function () { setSwap(!stage.classList.contains("player-swapped"), true); },
      "loop-start": function () {
        loop.a = main.currentTime;
        if (loop.b !== null && loop.b <= loop.a) loop.b = null;
        say(fill(msg.msgLoopStart, { t: clock(loop.a) }));
      },
      "loop-end": function () {
        if (loop.a === null) loop.a = 0;
        if (main.currentTime <= loop.a) return;
        loop.b = main.currentTime;
        say(fill(msg.msgLoopSet, { a: clock(loop.a), b: clock(loop.b) }));
      },
      "loop-clear": function () { loop.a = null; loop.b = null; say(msg.msgLoopCleared); },
      "prev-frame": function () { frame(-1); },
      "next-frame": function () { frame(1); },
      slow: function (button) { setRate(parseFloat(button.getAttribute("data-rate")), true); },
      mirror: toggleMirror
    };
    controls.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-action]");
      if (button && actions[button.getAttribute("data-action")]) actions[button.getAttribute("data-action")](button);
    });
    speed.addEventListener("change", function () { setRate(parseFloat(speed.value), true); });
    if (captionsSelect) captionsSelect.addEventListener("change", function () { chooseTrack(captionsSelect.value, true); });
    position.addEventListener("input", function () { seekTo(parseFloat(position.value)); });
    position.addEventListener("change", function () { say(fill(msg.msgAt, { t: clock(main.currentTime) })); });

    main.addEventListener("play", function () {
      playButton.textContent = msg.msgPause;
      say(msg.msgPlaying);
      frameLoop();
      startSync();
    });
    main.addEventListener("pause", function () {
      playButton.textContent = msg.msgPlay;
      say(msg.msgPaused);
      stopSync();
    });
    main.addEventListener("seeked", function () {
      if (sign && signOn) sign.currentTime = main.currentTime + (main.paused ? 0 : 0.03 * main.playbackRate);
      tick();
    });
    main.addEventListener("ratechange", function () {
      if (sign) sign.playbackRate = main.playbackRate;
    });
    function showMuted() {
      muteButton.textContent = main.muted ? msg.msgUnmute : msg.msgMute;
    }
    main.addEventListener("volumechange", showMuted);
    main.addEventListener("timeupdate", tick);
    main.addEventListener("loadedmetadata", updateTime);
    main.addEventListener("click", togglePlay);
    document.addEventListener("fullscreenchange", function () {
      if (!root.isConnected) return;
      var on = document.fullscreenElement === box;
      fullButton.textContent = on ? msg.msgExitFullscreen : msg.msgFullscreen;
      say(on ? msg.msgFullscreenOn : msg.msgFullscreenOff);
    });

    /* ---- Shortcuts: only while focus is inside the player, never in fields. ---- */
    var KEYS = {
      " ": togglePlay, k: togglePlay, j: actions.back, l: actions.forward,
      ",": actions["prev-frame"], ".": actions["next-frame"],
      "[": function () { stepRate(-1); }, "]": function () { stepRate(1); },
      c: toggleCaptions, m: toggleMirror, s: function () { if (sign) actions.sign(); }
    };
    root.addEventListener("keydown", function (event) {
      if (html.getAttribute("data-shortcuts") === "off") return;
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      var target = event.target;
      if (isField(target)) return;
      var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
      /* Space and Enter keep pressing buttons, links and summaries. */
      if (key === " " && target.closest && target.closest("button, a, summary")) return;
      var run = KEYS[key];
      if (!run) return;
      event.preventDefault();
      run();
    });

    /* ---- The layout form: applied at once, saved with fetch. ---- */
    var layoutForm = $("player-layout-form");
    if (layoutForm) {
      var layout = html.getAttribute("data-sign-layout") || "pip";
      var radio = layoutForm.querySelector('input[name="sign_layout"][value="' + layout + '"]');
      if (radio) radio.checked = true;
      var corner = layoutForm.querySelector("#sign-corner");
      var size = layoutForm.querySelector("#sign-size");
      if (corner && html.getAttribute("data-sign-corner")) corner.value = html.getAttribute("data-sign-corner");
      if (size && html.getAttribute("data-sign-size")) size.value = html.getAttribute("data-sign-size");
      var save = function () {
        var data = new FormData(layoutForm);
        ["layout", "corner", "size"].forEach(function (name) {
          var value = data.get("sign_" + name);
          if (value) html.setAttribute("data-sign-" + name, String(value));
        });
        var headers = { "HX-Request": "true", "Accept": "application/json" };
        var token = csrfToken();
        if (token) headers["X-CSRF-Token"] = token;
        fetch(layoutForm.action, {
          method: "POST",
          body: new URLSearchParams(data),
          headers: headers,
          credentials: "same-origin"
        }).then(function (r) {
          say(r.ok ? msg.msgLayoutSaved : msg.msgLayoutFailed);
        }).catch(function () { say(msg.msgLayoutFailed); });
      };
      layoutForm.addEventListener("change", save);
      layoutForm.addEventListener("submit", function (event) {
        event.preventDefault();
        save();
      });
    }

    /* ---- Start ---- */
    var initial = captionsSelect ? captionsSelect.value : "";
    if (!initial && trackElements[0]) {
      var def = trackElements.find(function (t) { return t.default; }) || trackElements[0];
      initial = def.getAttribute("data-track-id");
    }
    lastCaptionId = initial;
    chooseTrack(initial, false);
    if (captionsSelect && !captionsSelect.value) chooseTrack("", false);
    setRate(main.playbackRate || 1, false);
    showMuted();
    updateTime();
    updateChapter(false); /* only later changes of chapter are announced */
  }

  function start() {
    document.querySelectorAll("[data-player]").forEach(enhance);
  }
  document.addEventListener("htmx:afterSettle", start);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
