// Suggestions as you type, for every search box marked data-suggest.
// Progressive enhancement: without this script the box is a plain GET form.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var timer = null, last = "", controller = null;
    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }
    function show(items) {
      list.textContent = "";
      items.forEach(function (it) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = it.url;
        a.textContent = it.name;
        var place = document.createElement("span");
        place.className = "place";
        place.textContent = it.province;
        a.appendChild(place);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }
    function fetchNow() {
      var q = input.value;
      if (q === last) return;
      last = q;
      if (q.trim().length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      fetch("/api/v1/suggest?limit=8&q=" + encodeURIComponent(q), { signal: controller.signal })
        .then(function (r) { return r.ok ? r.json() : { items: [] }; })
        .then(function (body) { if (input.value === q) show(body.items || []); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchNow, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("a");
        if (first) { first.focus(); e.preventDefault(); }
      } else if (e.key === "Escape") {
        close();
      }
    });
    list.addEventListener("keydown", function (e) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var i = links.indexOf(document.activeElement);
      if (e.key === "ArrowDown" && i < links.length - 1) { links[i + 1].focus(); e.preventDefault(); }
      else if (e.key === "ArrowUp") { (i > 0 ? links[i - 1] : input).focus(); e.preventDefault(); }
      else if (e.key === "Escape") { close(); input.focus(); }
    });
    document.addEventListener("click", function (e) {
      if (e.target !== input && !list.contains(e.target)) close();
    });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
