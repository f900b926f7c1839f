/* PinkFlow's own small script (no inline JS anywhere; CSP forbids it).
   - sends the CSRF token with every htmx request (X-CSRF-Token);
   - sets aria-busy on the region being updated while a request runs;
   - after a swap: copies the page's preferences onto <html>, then moves focus to the
     error summary, else a success banner, else the new <h1>;
   - clears the live regions before each request so the next message is announced;
   - updates the live previews on the preferences page (page and captions) as choices change;
   - shows the upload's progress in its <progress> bar and announces it politely in
     #status at 25 % steps;
   - the player's beacon: once per page view, how long the first frame took to show
     after play was pressed (POST to the video's data-load-beacon URL, with the CSRF
     token; nothing is sent without a session).
   htmx itself is configured by <meta name="htmx-config"> (422 swapped, no eval,
   no inline indicator styles, no history snapshots kept in the browser: going back
   fetches the full page again, so nothing personal outlives sign-out). */
(function () {
  "use strict";

  function pageMeta() {
    return document.getElementById("page-meta");
  }

  function csrfToken() {
    var meta = pageMeta();
    return meta ? meta.getAttribute("data-csrf-token") || "" : "";
  }

  /* Preferences travel with each fragment on #page-meta; CSS reads them from <html>. */
  function applyPreferences() {
    var meta = pageMeta();
    if (!meta) return;
    var html = document.documentElement;
    var explicit = meta.getAttribute("data-explicit") === "true";
    ["density", "reading-level", "sign-language"].forEach(function (name) {
      var value = meta.getAttribute("data-" + name);
      if (value) html.setAttribute("data-" + name, value);
    });
    ["contrast", "motion"].forEach(function (name) {
      if (explicit) {
        html.setAttribute("data-" + name, meta.getAttribute("data-" + name) || "");
      } else {
        html.removeAttribute("data-" + name);
      }
    });
    /* Caption appearance and player layout (data-caption-*, data-sign-*, data-shortcuts). */
    Array.prototype.forEach.call(meta.attributes, function (attr) {
      if (/^data-(caption|sign)-|^data-shortcuts$/.test(attr.name) && attr.name !== "data-sign-language") {
        html.setAttribute(attr.name, attr.value);
      }
    });
    var lang = meta.getAttribute("data-lang");
    if (lang) html.setAttribute("lang", lang);
  }

  function focusElement(el) {
    if (!el) return false;
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus();
    return document.activeElement === el;
  }

  /* Error summary first, then a success banner, then the page's <h1>. */
  function focusNewContent() {
    var main = document.getElementById("main-content");
    if (!main) return;
    focusElement(document.getElementById("error-summary")) ||
      focusElement(main.querySelector("[data-focus]")) ||
      focusElement(main.querySelector("h1")) ||
      focusElement(main);
  }

  function clearLiveRegions() {
    ["status", "alerts"].forEach(function (id) {
      var region = document.getElementById(id);
      if (region) region.textContent = "";
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) event.detail.headers["X-CSRF-Token"] = token;
  });

  /* Background polling (processing status) neither marks its region busy nor clears
     what the live regions are saying: it announces only real changes itself. */
  function isPolling(event) {
    var elt = event.detail.elt;
    return !!(elt && elt.hasAttribute && elt.hasAttribute("data-polling"));
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (isPolling(event)) return;
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
    clearLiveRegions();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "page") {
      applyPreferences();
      focusNewContent();
    }
  });

  document.addEventListener("htmx:historyRestore", function () {
    applyPreferences();
    var page = document.getElementById("page");
    if (page) page.removeAttribute("aria-busy");
    focusNewContent();
  });

  /* Live preview: show the chosen values before they are saved. */
  var PREVIEW_ATTRIBUTES = {
    visual_density: "data-density",
    reading_level: "data-reading-level",
    color_contrast: "data-contrast",
    motion_sensitivity: "data-motion"
  };
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || !input.form || input.form.id !== "preferences-form" || !input.checked) return;
    var preview = document.getElementById("preview");
    var attribute = PREVIEW_ATTRIBUTES[input.name];
    if (preview && attribute) preview.setAttribute(attribute, input.value);
  });

  /* Caption preview: a sample caption over a still frame, styled by static/css/captions.css
     from the same data-caption-* attributes as <html>, set here as choices change. */
  var CAPTION_ATTRIBUTES = {
    caption_size: "data-caption-size",
    caption_color: "data-caption-color",
    caption_background: "data-caption-bg",
    caption_opacity: "data-caption-opacity",
    caption_font: "data-caption-font",
    caption_edge: "data-caption-edge",
    caption_position: "data-caption-position"
  };
  function previewCaption(event) {
    var input = event.target;
    if (!input || !input.form || input.form.id !== "preferences-form") return;
    if (input.type === "radio" && !input.checked) return;
    var preview = document.getElementById("caption-preview");
    var attribute = CAPTION_ATTRIBUTES[input.name];
    if (preview && attribute) preview.setAttribute(attribute, input.value);
  }
  document.addEventListener("change", previewCaption);
  document.addEventListener("input", previewCaption);

  /* Upload progress: htmx reports the upload (and the response download) on the form. */
  var uploadStep = 0;
  function uploadParts(form) {
    if (!form || form.id !== "upload-form") return null;
    var group = document.getElementById("upload-progress-group");
    var bar = document.getElementById("upload-progress");
    var text = document.getElementById("upload-progress-text");
    return group && bar && text ? { group: group, bar: bar, text: text } : null;
  }
  function showUploadPercent(parts, percent) {
    parts.bar.value = percent;
    parts.bar.textContent = percent + " %";
    parts.text.textContent = percent + " %";
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var parts = uploadParts(event.detail.elt);
    if (!parts) return;
    uploadStep = 0;
    parts.group.hidden = false;
    showUploadPercent(parts, 0);
  });
  document.addEventListener("htmx:xhr:progress", function (event) {
    var parts = uploadParts(event.target);
    if (!parts || !event.detail.lengthComputable || !event.detail.total) return;
    var percent = Math.floor((event.detail.loaded / event.detail.total) * 100);
    if (percent <= parts.bar.value) return; /* never go backwards (response download) */
    showUploadPercent(parts, percent);
    var step = Math.floor(percent / 25) * 25;
    if (step > uploadStep) {
      uploadStep = step;
      var status = document.getElementById("status");
      var template = parts.group.getAttribute("data-announce") || "{n} %";
      if (status) status.textContent = template.replace("{n}", String(step));
    }
  });

  /* Player beacon: time from pressing play to the first frame shown. `play` does not
     bubble, so it is caught on the way down; players swapped in by htmx are covered. */
  document.addEventListener("play", function (event) {
    var video = event.target;
    if (!video || video.tagName !== "VIDEO") return;
    var url = video.getAttribute("data-load-beacon");
    var token = csrfToken();
    if (!url || !token || video.hasAttribute("data-load-measured")) return;
    video.setAttribute("data-load-measured", "pending");
    var started = performance.now();
    function send() {
      if (video.getAttribute("data-load-measured") !== "pending") return;
      var ms = Math.max(0, Math.round(performance.now() - started));
      video.setAttribute("data-load-measured", String(ms));
      var body = new URLSearchParams({ csrf_token: token, ms: String(ms) });
      if (!(navigator.sendBeacon && navigator.sendBeacon(url, body))) {
        fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
          .catch(function () { /* a lost measurement is not the viewer's problem */ });
      }
    }
    if (typeof video.requestVideoFrameCallback === "function") {
      video.requestVideoFrameCallback(send); /* the first frame actually presented */
    } else {
      video.addEventListener("playing", send, { once: true });
    }
  }, true);

  function onLoad() {
    document.body.classList.add("js-enabled");
    var main = document.getElementById("main-content");
    var first = document.getElementById("error-summary") ||
      (main && main.querySelector("[data-focus]"));
    if (first) focusElement(first);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
})();
