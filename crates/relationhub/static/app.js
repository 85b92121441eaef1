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
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); ev.stopImmediatePropagation(); }
    });
  });
  // Generation and polishing update in place: post the form, swap in the fresh section of the
  // page the server answers with (the same page a browser without scripts is redirected to).
  // Listening on the document keeps working after a section was swapped.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var button = ev.submitter || null;
    var targetId = (button && button.getAttribute("data-inplace")) || form.getAttribute("data-inplace");
    if (!targetId || !window.fetch || !window.DOMParser || !window.URLSearchParams) { return; }
    if (form.hasAttribute("data-confirm") && ev.defaultPrevented) { return; }
    ev.preventDefault();
    var action = (button && button.hasAttribute("formaction")) ? button.formAction : form.action;
    var body = new URLSearchParams(new FormData(form));
    var busy = document.getElementById(targetId) || form;
    busy.classList.add("busy");
    if (button) { button.disabled = true; }
    fetch(action, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (resp) { return resp.text().then(function (text) { return { resp: resp, text: text }; }); })
      .then(function (r) {
        var doc = new DOMParser().parseFromString(r.text, "text/html");
        var fresh = doc.getElementById(targetId);
        var old = document.getElementById(targetId);
        var notice = doc.querySelector(".notice, .alert");
        if (fresh && old) {
          old.replaceWith(fresh);
          var main = document.getElementById("main");
          document.querySelectorAll("main > .notice").forEach(function (n) { n.remove(); });
          if (notice && main && notice.parentNode && notice.parentNode.id === "main") { main.insertBefore(notice, main.firstChild); }
          if (r.resp.redirected) { window.history.replaceState(null, "", r.resp.url); }
        } else {
          window.location.href = r.resp.url || action;
        }
      })
      .catch(function () { form.submit(); })
      .finally(function () { busy.classList.remove("busy"); if (button) { button.disabled = false; } });
  });
})();
