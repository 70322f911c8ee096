// Kunde's little JavaScript. Behaviour is attached through data- attributes; every page works
// without it.
(function () {
  "use strict";

  function typing(event) {
    const el = event.target;
    return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
  }

  // Single-key shortcuts: [data-shortcut="n"] is clicked, [data-shortcut-focus="/"] is focused.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event)) return;
    const key = event.key;
    const focusTarget = document.querySelector('[data-shortcut-focus="' + CSS.escape(key) + '"]');
    if (focusTarget) { event.preventDefault(); focusTarget.focus(); focusTarget.select && focusTarget.select(); return; }
    const target = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (target) { event.preventDefault(); target.click(); return; }
    // Arrow keys move between the rows of a list; Enter follows the focused link as usual.
    if (key === "ArrowDown" || key === "ArrowUp") {
      const links = Array.from(document.querySelectorAll("[data-keyboard-list] [data-row-link]"));
      if (!links.length) return;
      const at = links.indexOf(document.activeElement);
      const next = key === "ArrowDown" ? Math.min(at + 1, links.length - 1) : Math.max(at - 1, 0);
      event.preventDefault();
      links[at === -1 ? 0 : next].focus();
    }
  });

  // Down arrow from the search box goes to the first customer.
  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && event.target.matches("[data-shortcut-focus]")) {
      const first = document.querySelector("[data-keyboard-list] [data-row-link]");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });

  document.addEventListener("submit", function (event) {
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    const summary = document.querySelector("[data-autofocus]");
    if (summary) summary.focus();
    document.querySelectorAll("[data-register-lookup]").forEach(registerLookup);
  });

  // Business-register lookup on the customer form: type a name or an organisation number,
  // pick a match, and the form is filled in. Manual entry always stays possible.
  function registerLookup(box) {
    const input = box.querySelector("input");
    const status = box.querySelector(".register-status");
    const results = box.querySelector(".register-results");
    let timer = null;
    let controller = null;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", Boolean(isError));
    }

    function set(name, value) {
      const field = document.querySelector('[name="' + name + '"]');
      if (field && value !== undefined && value !== null) field.value = value;
    }

    function fill(entity) {
      const postal = entity.postal_address || entity.business_address;
      const business = entity.business_address;
      set("name", entity.name);
      set("organization_number", entity.organization_number);
      set("organization_form", entity.organization_form);
      set("kind", "company");
      set("country", business.country || "NO");
      set("vat_number", entity.vat_registered ? "NO" + entity.organization_number + "MVA" : "");
      set("postal_street", postal.lines.join(", "));
      set("postal_postcode", postal.postcode);
      set("postal_city", postal.city);
      set("postal_country", postal.country || "NO");
      if (entity.postal_address) {
        set("visiting_street", business.lines.join(", "));
        set("visiting_postcode", business.postcode);
        set("visiting_city", business.city);
      }
      results.replaceChildren();
      say(box.dataset.msgFilled + " " + entity.name);
      document.querySelector('[name="name"]').focus();
    }

    function show(items) {
      results.replaceChildren();
      items.forEach(function (entity) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        const city = (entity.business_address && entity.business_address.city) || "";
        button.textContent = entity.name + " · " + entity.organization_number +
          (entity.organization_form ? " " + entity.organization_form : "") + (city ? " · " + city : "") +
          (entity.deleted ? " (deleted)" : "");
        button.addEventListener("click", function () { fill(entity); });
        li.appendChild(button);
        results.appendChild(li);
      });
    }

    async function lookup() {
      const query = input.value.trim();
      if (query.length < 3) { results.replaceChildren(); say(""); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      let timedOut = false;
      const timeout = setTimeout(function () { timedOut = true; controller.abort(); }, 6000);
      say("…");
      try {
        const response = await fetch(box.dataset.url + "?q=" + encodeURIComponent(query), {
          signal: controller.signal, headers: { Accept: "application/json" },
        });
        const data = await response.json();
        show(data.results || []);
        if (data.error) say(data.error, true);
        else say(data.results.length ? "" : box.dataset.msgNone);
      } catch (error) {
        if (error.name === "AbortError" && !timedOut) return;  // replaced by a newer lookup
        say(box.dataset.msgUnavailable, true);
      } finally {
        clearTimeout(timeout);
      }
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 300); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); lookup(); }
    });
  }
})();

/* invoices: documents */
// The draft editor: "Add line" copies the hidden empty row (a Django formset's empty form), and
// issuing is held back while the editor has unsaved changes. Without JavaScript the editor
// always offers one empty row and issuing simply takes the saved draft.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-formset-add]").forEach(function (button) {
      const form = button.closest("form");
      const total = form.querySelector('[name="' + button.dataset.formsetAdd + '-TOTAL_FORMS"]');
      const template = form.querySelector("template[data-formset-template]");
      const rows = form.querySelector("[data-formset-rows]");
      if (!total || !template || !rows) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        const index = Number(total.value);
        rows.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
        total.value = String(index + 1);
        const first = rows.lastElementChild.querySelector("input:not([type=hidden]), select");
        if (first) first.focus();
      });
    });
  });

  function markDirty(event) {
    const form = event.target.form;
    if (form && form.matches("[data-draft-editor]")) form.dataset.dirty = "true";
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // Runs before the general data-confirm handler (capture phase) and stops it when refusing.
  document.addEventListener("submit", function (event) {
    const warning = event.target.getAttribute("data-unsaved-warning");
    const editor = document.querySelector("[data-draft-editor]");
    if (warning && editor && editor.dataset.dirty) {
      event.preventDefault();
      event.stopImmediatePropagation();
      window.alert(warning);
    }
  }, true);
})();

/* invoices: report */
// The column chooser is a <details>: Escape or a click elsewhere closes it, as a menu would.
(function () {
  "use strict";

  function closeChoosers(except) {
    document.querySelectorAll("[data-column-chooser][open]").forEach(function (chooser) {
      if (chooser !== except) chooser.removeAttribute("open");
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const open = document.querySelector("[data-column-chooser][open]");
    if (!open) return;
    closeChoosers(null);
    open.querySelector("summary").focus();
  });

  document.addEventListener("click", function (event) {
    closeChoosers(event.target.closest("[data-column-chooser]"));
  });
})();

/* payments */
// The page of a running import asks for its status every second and reloads when it is done,
// so that the server renders the result. Without JavaScript the page says to reload.
(function () {
  "use strict";

  function watch(box) {
    const bar = box.querySelector("progress");
    const text = box.querySelector("[role=status]");
    let failures = 0;

    async function poll() {
      try {
        const response = await fetch(box.dataset.importStatus, { headers: { Accept: "application/json" } });
        if (!response.ok) throw new Error(String(response.status));
        const data = await response.json();
        failures = 0;
        if (data.done) { window.location.reload(); return; }
        if (data.total) {
          bar.max = data.total;
          // Nothing done yet shows as a moving bar: the booking runs as one transaction.
          if (data.progress) bar.value = data.progress; else bar.removeAttribute("value");
          text.textContent = box.dataset.msgBooking.replace("%(total)s", String(data.total));
        } else {
          text.textContent = box.dataset.msgReading;
        }
      } catch (error) {
        failures += 1;
        if (failures >= 10) { text.textContent = box.dataset.msgFailed; return; }
      }
      setTimeout(poll, 1000);
    }

    setTimeout(poll, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-import-status]").forEach(watch);
  });
})();

/* jobs */
// A part of a page that changes while a job runs ([data-poll="url"]: the job's progress, a
// delivery's state) asks the server for its new HTML every second and replaces itself with it;
// it stops when the new part has no data-poll (the job is finished). Without JavaScript the
// page says to reload.
(function () {
  "use strict";

  function watch(box) {
    let failures = 0;

    async function poll() {
      try {
        const response = await fetch(box.dataset.poll, { headers: { Accept: "text/html" } });
        if (!response.ok) throw new Error(String(response.status));
        const holder = document.createElement("div");
        holder.innerHTML = (await response.text()).trim();
        const fresh = holder.firstElementChild;
        if (!fresh) throw new Error("empty");
        box.replaceWith(fresh);
        if (fresh.dataset.poll) watch(fresh);
      } catch (error) {
        failures += 1;
        if (failures < 10) setTimeout(poll, 2000);
      }
    }

    setTimeout(poll, Number(box.dataset.pollEvery || 1000));
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-poll]").forEach(watch);
  });
})();
