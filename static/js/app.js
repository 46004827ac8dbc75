// tunelab's small helpers: row editors, label hotkeys, keyboard save, confirmations, the rendered view.
// No inline script anywhere (the CSP forbids it); everything is delegated from document.
(function () {
  "use strict";

  function isTyping(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
      (tag === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type));
  }

  function changed(el) {
    var form = el && el.closest("form");
    if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var template = add.previousElementSibling;
      var container = template && template.previousElementSibling;
      if (!template || template.tagName !== "TEMPLATE" || !container) return;
      var target = container.tBodies ? container.tBodies[0] : container;
      var fragment = template.content.cloneNode(true);
      var row = fragment.firstElementChild;
      if (add.hasAttribute("data-alternate")) {
        var rows = target.querySelectorAll(":scope > [data-row]");
        var last = rows[rows.length - 1];
        var lastSelect = last && last.querySelector("select");
        var select = row.querySelector("select");
        if (lastSelect && select) {
          var next = (lastSelect.selectedIndex + 1) % 2;
          select.selectedIndex = next;
        }
      }
      target.appendChild(fragment);
      prepareRow(row);
      var first = row.querySelector("textarea, input");
      if (first) first.focus();
      changed(add);
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var form = remove.closest("form");
      var victim = remove.closest("[data-row]");
      if (victim) victim.remove();
      refreshAnswers(form);
      if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  // The conversation editor with tools: a new turn gets a key, a new tool call its turn's key and
  // the next free id (call_1, call_2, ...), and every tool turn's "result of" list follows the calls.
  var turnCount = 0;

  function prepareRow(row) {
    if (row.hasAttribute("data-turn")) {
      var key = row.querySelector(":scope > [data-turn-key]");
      if (key && !key.value) key.value = "n" + (++turnCount) + "-" + Date.now().toString(36);
      var roleSelect = row.querySelector("[data-turn-role]");
      if (roleSelect) row.setAttribute("data-role", roleSelect.value);
    }
    if (row.hasAttribute("data-call")) {
      var turn = row.closest("[data-turn]");
      var turnKey = turn && turn.querySelector(":scope > [data-turn-key]");
      row.querySelector("[data-call-turn]").value = turnKey ? turnKey.value : "";
      var id = nextCallId(row.closest("form"));
      row.querySelector("[data-call-id]").value = id;
      row.querySelector("[data-call-id-label]").textContent = id;
    }
    refreshAnswers(row.closest("form"));
  }

  function nextCallId(form) {
    var most = 0;
    var ids = form ? form.querySelectorAll("[data-call-id]") : [];
    for (var i = 0; i < ids.length; i++) {
      var match = /^call_(\d+)$/.exec(ids[i].value);
      if (match) most = Math.max(most, parseInt(match[1], 10));
    }
    return "call_" + (most + 1);
  }

  function refreshAnswers(form) {
    if (!form) return;
    var calls = [];
    var rows = form.querySelectorAll("[data-call]");
    for (var i = 0; i < rows.length; i++) {
      var id = rows[i].querySelector("[data-call-id]").value;
      var name = rows[i].querySelector("[data-call-name]");
      if (id) calls.push([id, name ? name.value : ""]);
    }
    var selects = form.querySelectorAll("select[data-answers]");
    for (var j = 0; j < selects.length; j++) {
      var select = selects[j], current = select.value, known = false;
      while (select.options.length > 1) select.remove(1);
      for (var k = 0; k < calls.length; k++) {
        select.add(new Option(calls[k][0] + " \u00b7 " + calls[k][1], calls[k][0]));
        if (calls[k][0] === current) known = true;
      }
      if (current && !known) select.add(new Option(current + " (no such call)", current));
      select.value = current;
    }
  }

  document.addEventListener("change", function (event) {
    var role = event.target.closest("[data-turn-role]");
    if (role) role.closest("[data-turn]").setAttribute("data-role", role.value);
    if (event.target.closest("[data-call-name]")) refreshAnswers(event.target.closest("form"));
  });

  // "show all" / "show less" under a long exported line in the panel: the form asks the panel for
  // whole lines (or their start and end) from now on, and the panel is rendered again.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-show-all]");
    var input = toggle && document.querySelector("#example-form [data-full-lines]");
    if (!input) return;
    input.value = toggle.getAttribute("data-show-all");
    input.form.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // The panel's "Rendered for <model>" view is fetched only while it is open: when it opens, and
  // (debounced by its hx-trigger) after each change to the form while it stays open.
  document.addEventListener("toggle", function (event) {
    var view = event.target;
    if (view.matches && view.matches("details[data-rendered]") && view.open) view.dispatchEvent(new Event("rendered-open"));
  }, true);

  function formChanged(event) {
    var view = document.querySelector("details[data-rendered]");
    if (view && view.open && event.target.closest && event.target.closest("#example-form")) {
      view.dispatchEvent(new Event("rendered-typed"));
    }
  }
  document.addEventListener("input", formChanged);
  document.addEventListener("change", formChanged);

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  function toggleHelp() {
    var help = document.getElementById("help");
    if (help) help.hidden = !help.hidden;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help]")) { event.preventDefault(); toggleHelp(); }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var boxes = document.querySelectorAll("input[name=ids]");
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
    }
  });

  function pressKeyed(key) {
    var target = document.querySelector('[data-key="' + key + '"]');
    if (!target) return false;
    var focusSelector = target.getAttribute("data-focus-if-empty");
    var box = focusSelector && document.querySelector(focusSelector);
    if (box && !box.value.trim()) { box.focus(); return true; }
    target.click();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("example-form");
    var typing = isTyping(document.activeElement);
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      var own = document.activeElement && document.activeElement.closest("form");
      var inForm = own && own.querySelector("[data-ctrl-enter]");
      var button = inForm || (form && form.querySelector(event.shiftKey ? "[data-save-submit]" : "[data-save-next]"));
      if (button) { event.preventDefault(); button.click(); }
      return;
    }
    if (event.key === "Escape") {
      if (typing) { document.activeElement.blur(); return; }
      var help = document.getElementById("help");
      if (help && !help.hidden) help.hidden = true;
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing) return;
    if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
    if (form) {
      var radios = form.querySelectorAll("input[data-hotkey]");
      for (var i = 0; i < radios.length; i++) {
        var key = radios[i].getAttribute("data-hotkey");
        if (key && key.toLowerCase() === event.key.toLowerCase() && !radios[i].disabled) {
          event.preventDefault();
          radios[i].checked = true;
          radios[i].dispatchEvent(new Event("change", { bubbles: true }));
          return;
        }
      }
      if (event.key === "s") {
        var submit = form.querySelector("[data-save-submit]");
        if (submit) { event.preventDefault(); submit.click(); return; }
      }
    }
    if (event.key.length === 1 && pressKeyed(event.key)) { event.preventDefault(); return; }
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var link = document.querySelector(event.key === "ArrowLeft" ? "[data-nav=prev]" : "[data-nav=next]");
      if (link) window.location.href = link.href;
    }
  });

  // The import page's upload: the file itself as the request body (streamed to disk by the server),
  // with a progress bar; the server answers with the preview page, which the browser then opens. What
  // it says of a refused or lost upload is the form's own text (data-*, in the reader's language).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-import-upload]");
    if (!form) return;
    event.preventDefault();
    var input = form.querySelector("input[type=file]");
    var bar = form.querySelector("[data-upload-progress]");
    var error = form.querySelector("[data-upload-error]");
    var file = input && input.files[0];
    if (!file) return;
    error.hidden = true;
    var limit = Number(form.getAttribute("data-max-bytes"));
    if (limit && file.size > limit) {
      error.textContent = form.getAttribute("data-too-large");
      error.hidden = false;
      return;
    }
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") + "?filename=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    if (headers["x-csrftoken"]) xhr.setRequestHeader("x-csrftoken", headers["x-csrftoken"]);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.hidden = false; bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status < 400) { window.location.href = xhr.responseURL; return; }
      var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var said = page.querySelector("[role=alert], main p, main");
      error.textContent = said ? said.textContent.trim() : form.getAttribute("data-upload-failed").replace("STATUS", xhr.status);
      error.hidden = false;
      bar.hidden = true;
    });
    xhr.addEventListener("error", function () {
      error.textContent = form.getAttribute("data-unreachable");
      error.hidden = false;
    });
    xhr.send(file);
  });

  // Toasts: a refused htmx action's message (the server marks it HX-Toast and sends it to #toasts
  // whatever its status), and confirmations; closed with ×, confirmations also after a while.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.getResponseHeader("HX-Toast")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest("[data-dismiss]");
    if (close && close.closest(".toast")) close.closest(".toast").remove();
    if (event.target.closest("[data-back]") && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  function fadeConfirmations() {
    var shown = document.querySelectorAll(".toast-ok:not([data-timed])");
    for (var i = 0; i < shown.length; i++) {
      shown[i].setAttribute("data-timed", "");
      (function (toast) {  // one that offers Undo stays longer
        window.setTimeout(function () { toast.remove(); }, toast.querySelector("[data-undo]") ? 20000 : 8000);
      })(shown[i]);
    }
  }
  document.addEventListener("DOMContentLoaded", fadeConfirmations);
  document.addEventListener("htmx:afterSettle", fadeConfirmations);
})();
