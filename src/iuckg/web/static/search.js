// Suggestions under the header's search box, from /search.json (the form still submits without JavaScript).
(function () {
  "use strict";
  var input = document.getElementById("site-q");
  var list = document.getElementById("site-q-list");
  if (!input || !list || !window.fetch) return;
  var timer = null, asked = "", active = -1;

  function close() {
    list.hidden = true; list.textContent = ""; active = -1;
    input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant");
  }

  function show(text, results) {
    if (text !== input.value.trim()) return;  // an older answer
    list.textContent = "";
    results.forEach(function (r, i) {
      var li = document.createElement("li"), a = document.createElement("a"), small = document.createElement("small");
      li.id = "site-q-option-" + i; li.setAttribute("role", "option");
      a.href = r.path; a.textContent = r.label; a.tabIndex = -1;
      small.textContent = r.kind_label + (r.context ? " · " + r.context : "");
      a.appendChild(small); li.appendChild(a); list.appendChild(li);
    });
    var more = document.createElement("li"), all = document.createElement("a");
    more.setAttribute("role", "option"); more.id = "site-q-option-" + results.length;
    all.href = "/search?q=" + encodeURIComponent(text); all.tabIndex = -1;
    all.textContent = results.length ? "All results for “" + text + "”" : "Nothing found for “" + text + "”: search anyway";
    more.className = "all"; more.appendChild(all); list.appendChild(more);
    list.hidden = false; input.setAttribute("aria-expanded", "true"); active = -1;
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (text === asked) return;
    asked = text;
    fetch("/search.json?limit=8&q=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : {results: []}; })
      .then(function (body) { show(text, body.results); })
      .catch(close);
  }

  function move(step) {
    var options = list.querySelectorAll("li");
    if (!options.length) return;
    if (active >= 0) options[active].classList.remove("active");
    active = (active + step + options.length) % options.length;
    options[active].classList.add("active");
    input.setAttribute("aria-activedescendant", options[active].id);
  }

  input.addEventListener("input", function () { clearTimeout(timer); asked = ""; timer = setTimeout(ask, 120); });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) ask(); else move(1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault(); window.location.href = list.querySelectorAll("li a")[active].href;
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 200); });
})();
