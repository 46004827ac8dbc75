// tunelab's small helpers: row editors, label hotkeys, keyboard save, confirmations.
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
        var rows = target.querySelectorAll("[data-row]");
        var last = rows[rows.length - 1];
        var lastSelect = last && last.querySelector("select");
        var select = row.querySelector("select");
        if (lastSelect && select) {
          var next = (lastSelect.selectedIndex + 1) % 2;
          select.selectedIndex = next;
        }
      }
      target.appendChild(fragment);
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
      if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("keydown", function (event) {
    var form = document.getElementById("example-form");
    if (!form) return;
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      var save = form.querySelector("[data-save-next]");
      if (save) { event.preventDefault(); save.click(); }
      return;
    }
    if (event.key === "Escape" && isTyping(document.activeElement)) {
      document.activeElement.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(document.activeElement)) return;
    var radios = form.querySelectorAll("input[data-hotkey]");
    for (var i = 0; i < radios.length; i++) {
      var key = radios[i].getAttribute("data-hotkey");
      if (key && key.toLowerCase() === event.key.toLowerCase()) {
        event.preventDefault();
        radios[i].checked = true;
        radios[i].dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
    }
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var link = document.querySelector(event.key === "ArrowLeft" ? "[data-nav=prev]" : "[data-nav=next]");
      if (link) window.location.href = link.href;
    }
  });
})();
