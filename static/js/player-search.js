/* PinkFlow's player: search inside the transcript (used by player.js). Matches are
   highlighted with <mark>, "3 of 7" is shown and announced, Enter / Shift+Enter and the
   Next / Previous buttons move between them, and the current match is scrolled to inside
   the transcript list (only when motion is allowed). No words live here: the form comes
   from the server's <template id="transcript-search-template">, the counts from
   data-msg-* attributes. */
(function () {
  "use strict";

  /* o: { transcript, msg, visible() -> the shown track's block, reveal(box, item),
     say(text), fill(template, values) }. Returns { reset() }: search again (after the
     caption track changed). */
  window.PinkFlowTranscriptSearch = function (o) {
    var transcript = o.transcript;
    var tpl = document.getElementById("transcript-search-template");
    var api = { reset: function () {} };
    if (!transcript || !tpl || !tpl.content) return api;
    var form = tpl.content.firstElementChild.cloneNode(true);
    var heading = transcript.querySelector("h2");
    if (heading) heading.after(form); else transcript.prepend(form);
    var input = form.querySelector("#transcript-query");
    var count = form.querySelector("#transcript-count");
    var matches = [];
    var index = -1;
    function clear() {
      transcript.querySelectorAll("mark.transcript-match").forEach(function (m) {
        var parent = m.parentNode;
        parent.replaceChild(document.createTextNode(m.textContent), m);
        parent.normalize();
      });
      matches = [];
      index = -1;
    }
    function mark(el, query) {
      var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      var nodes = [];
      while (walker.nextNode()) nodes.push(walker.currentNode);
      nodes.forEach(function (node) {
        var text = node.nodeValue;
        var lower = text.toLowerCase();
        var at = lower.indexOf(query);
        if (at < 0) return;
        var frag = document.createDocumentFragment();
        var from = 0;
        while (at >= 0) {
          frag.appendChild(document.createTextNode(text.slice(from, at)));
          var m = document.createElement("mark");
          m.className = "transcript-match";
          m.textContent = text.slice(at, at + query.length);
          frag.appendChild(m);
          matches.push(m);
          from = at + query.length;
          at = lower.indexOf(query, from);
        }
        frag.appendChild(document.createTextNode(text.slice(from)));
        node.parentNode.replaceChild(frag, node);
      });
    }
    function show(announce) {
      matches.forEach(function (m, i) { m.classList.toggle("transcript-match-current", i === index); });
      var words = "";
      if (input.value.trim()) words = matches.length ? o.fill(o.msg.msgCount, { i: index + 1, n: matches.length }) : o.msg.msgNoMatch;
      count.textContent = words;
      if (index >= 0) {
        var block = o.visible();
        o.reveal(block && block.querySelector(".transcript-lines"), matches[index].closest("li"));
      }
      if (announce && words) o.say(words);
    }
    function run() {
      clear();
      var query = input.value.trim().toLowerCase();
      var block = o.visible();
      if (query && block) {
        block.querySelectorAll(".transcript-text").forEach(function (el) { mark(el, query); });
        if (matches.length) index = 0;
      }
      show(true);
    }
    function move(by) {
      if (!matches.length) return show(true);
      index = (index + by + matches.length) % matches.length;
      show(true);
    }
    input.addEventListener("input", run);
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        move(event.shiftKey ? -1 : 1);
      }
    });
    form.querySelector("#transcript-prev").addEventListener("click", function () { move(-1); });
    form.querySelector("#transcript-next").addEventListener("click", function () { move(1); });
    api.reset = function () { if (input.value) run(); };
    return api;
  };
})();
