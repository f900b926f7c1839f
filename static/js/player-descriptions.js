/* Text descriptions for the player (player.js calls it when the video has a
   `descriptions` track): the viewer switches a track on with the "Text descriptions"
   select, and each cue's words are written into a polite live region under the picture
   as the cue starts, so a screen reader reads what is seen and the words stay on screen.
   The tracks are kept in "hidden" mode (browsers do not render descriptions). */
(function () {
  "use strict";

  window.PinkFlowDescriptions = function (o) {
    var elements = Array.prototype.slice.call(o.video.querySelectorAll("track[data-description-id]"));
    if (!elements.length || !o.select || !o.box || !o.text) return null;
    var parser = new DOMParser();
    var current = null;

    function plain(text) {
      return (parser.parseFromString(String(text || ""), "text/html").body.textContent || "").trim();
    }

    function render() {
      var words = [];
      if (current && current.activeCues) {
        Array.prototype.forEach.call(current.activeCues, function (cue) {
          var said = plain(cue.text).replace(/\s+/g, " ");
          if (said) words.push(said);
        });
      }
      var next = words.join(" ");
      if (o.text.textContent !== next) o.text.textContent = next;
    }

    function choose(id, announce) {
      if (current) current.removeEventListener("cuechange", render);
      current = null;
      elements.forEach(function (el) {
        if (!el.track) return;
        if (id && el.getAttribute("data-description-id") === id) current = el.track;
        else el.track.mode = "disabled";
      });
      if (current) {
        current.mode = "hidden";
        current.addEventListener("cuechange", render);
      }
      o.box.hidden = !current;
      o.select.value = current ? id : "";
      render();
      if (announce) {
        var option = o.select.selectedOptions[0];
        o.say(current ? o.fill(o.msg.msgDescriptionsOn, { name: option ? option.textContent : "" }) : o.msg.msgDescriptionsOff);
      }
    }

    o.select.addEventListener("change", function () { choose(o.select.value, true); });
    choose("", false);
    return { choose: choose };
  };
})();
