// RelationHub's own script: progressive enhancement only. Every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Fill hidden time-zone fields with the browser's zone (sign-up, settings default).
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  document.querySelectorAll("input[data-browser-zone]").forEach(function (el) {
    if (!el.value) { el.value = zone; }
  });
  // The time-zone choice defaults to the browser's until one is saved.
  document.querySelectorAll("form[data-zone-form] select[name=timeZone]").forEach(function (el) {
    if (!el.value && zone && el.querySelector("option[value='" + zone.replace(/'/g, "") + "']")) { el.value = zone; }
  });
  // Forms that ask before doing something that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // Generation and polishing update in place: post the form, swap in the result's section.
  document.querySelectorAll("form[data-inplace]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.fetch || !window.DOMParser) { return; }
      ev.preventDefault();
      var target = document.getElementById(form.getAttribute("data-inplace"));
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      form.classList.add("busy");
      fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), credentials: "same-origin" })
        .then(function (resp) { return resp.text().then(function (text) { return { resp: resp, text: text }; }); })
        .then(function (r) {
          var doc = new DOMParser().parseFromString(r.text, "text/html");
          var fresh = doc.getElementById(form.getAttribute("data-inplace"));
          if (fresh && target) {
            target.replaceWith(fresh);
            if (r.resp.url) { window.history.replaceState(null, "", r.resp.url); }
          } else {
            document.open(); document.write(r.text); document.close();
          }
        })
        .catch(function () { form.submit(); })
        .finally(function () { if (button) { button.disabled = false; } form.classList.remove("busy"); });
    });
  });
})();
