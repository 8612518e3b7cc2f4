/* L'atelier: keyboard shortcuts of the review page, progress of long steps, a few niceties.
   Everything works without this script too (plain forms and links); it only adds speed. */
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (target && target.isContentEditable);
  }

  // Review: 1–5 choose a candidate, N new, S skip, U undo, J/K next/previous.
  function reviewKeys() {
    if (!document.querySelector("[data-review]")) { return; }
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
      var key = ev.key.toLowerCase();
      var el = document.querySelector('[data-key="' + key + '"]');
      if (!el || el.disabled) { return; }
      ev.preventDefault();
      el.classList.add("pressed");
      if (el.tagName === "A") { window.location.assign(el.href); } else { el.click(); }
    });
    var current = document.querySelector(".rows li.current");
    if (current && current.scrollIntoView) { current.scrollIntoView({block: "nearest"}); }
  }

  // Long steps: poll /jobs/<id>, update the bar and the texts; reload when the step has ended.
  function pollJobs() {
    var boxes = document.querySelectorAll("[data-job]");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.getAttribute("data-state") !== "running") { return; }
      var url = box.getAttribute("data-job");
      var bar = box.querySelector("progress");
      function set(name, value) {
        var el = box.querySelector('[data-field="' + name + '"]');
        if (el) { el.textContent = value; }
        return el;
      }
      function tick() {
        fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (s) {
            if (bar) { bar.max = s.total || 1; bar.value = s.done; }
            set("done", s.done); set("total", s.total); set("activity", s.activity);
            var waiting = box.querySelector('[data-field="waiting"]');
            if (waiting) {
              waiting.hidden = !s.waiting_for;
              set("waiting_for", s.waiting_text || s.waiting_for);
              set("waiting_seconds", s.waiting_seconds);
            }
            var lines = box.querySelector('[data-field="lines"]');
            if (lines) {
              lines.textContent = "";
              s.lines.forEach(function (line) {
                var li = document.createElement("li");
                li.textContent = line;  // text, never HTML: labels come from anyone
                lines.appendChild(li);
              });
            }
            if (s.state !== "running") { window.location.reload(); } else { window.setTimeout(tick, 400); }
          })
          .catch(function () { window.setTimeout(tick, 1500); });
      }
      window.setTimeout(tick, 300);
    });
  }

  function backLinks() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-back]"), function (a) {
      a.addEventListener("click", function (ev) {
        if (window.history.length > 1) { ev.preventDefault(); window.history.back(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    reviewKeys();
    pollJobs();
    backLinks();
  });
}());
