// The draft editor's amounts as the user types: each line's net and the document's totals (net,
// VAT per category and rate, total). Computed in whole øre with BigInt, the way kunde/lib/vat.py
// does: a line's net is quantity × unit price less its discount, rounded half up (away from
// zero) to øre; VAT is rounded once per category and rate, on the sum of its lines. Only a
// preview: the server computes the amounts again when the draft is saved.
(function () {
  "use strict";

  // "1 250,50", "1250.50" or "1.250,50" -> BigInt in units of 10^-places, or null when it is
  // not a number with at most `places` decimals (as the form's NumberField reads it).
  function scaled(text, places) {
    text = String(text).replace(/[\s\u00a0\u202f]/g, "").replace(/\u2212/g, "-");
    if (text.includes(",") && text.includes(".")) {
      const decimalMark = text.lastIndexOf(",") > text.lastIndexOf(".") ? "," : ".";
      text = text.split(decimalMark === "," ? "." : ",").join("");
    }
    text = text.replace(",", ".");
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (match[2] + (match[3] || "")) === "") return null;
    const fraction = (match[3] || "").replace(/0+$/, "");
    if (fraction.length > places) return null;
    const digits = (match[2] || "0") + fraction.padEnd(places, "0");
    const value = BigInt(digits);
    return match[1] === "-" ? -value : value;
  }

  // numerator / denominator rounded half away from zero, as Decimal's ROUND_HALF_UP does.
  function roundDiv(numerator, denominator) {
    const negative = numerator < 0n;
    const magnitude = negative ? -numerator : numerator;
    const rounded = (2n * magnitude + denominator) / (2n * denominator);
    return negative ? -rounded : rounded;
  }

  function lineNet(row) {
    const field = function (name) { return row.querySelector('[name$="-' + name + '"]'); };
    const quantity = scaled(field("quantity").value, 3);
    const price = scaled(field("unit_price").value, 2);
    const discountText = field("discount_percent").value.trim();
    const discount = discountText === "" ? 0n : scaled(discountText, 2);
    if (quantity === null || price === null || discount === null) return null;
    if (discount < 0n || discount > 10000n) return null;
    // quantity in thousandths, price in øre, discount in hundredths of a percent.
    return roundDiv(quantity * price * (10000n - discount), 10000000n);
  }

  function money(ore, zero) {
    const negative = ore < 0n;
    const digits = (negative ? -ore : ore).toString().padStart(3, "0");
    const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
    return (negative ? "-" : "") + zero.replace("0,00", whole + "," + digits.slice(-2));
  }

  function update(editor) {
    const zero = editor.dataset.moneyZero;
    const groups = new Map();
    editor.querySelectorAll("[data-line-row]").forEach(function (row) {
      const cell = row.querySelector("[data-line-net]");
      const removed = row.querySelector('[name$="-DELETE"]');
      const net = removed && removed.checked ? null : lineNet(row);
      if (cell) cell.textContent = net === null ? "" : money(net, zero);
      if (net === null) return;
      const vat = row.querySelector('[name$="-vat"]');
      const key = vat.value;
      const group = groups.get(key) || {
        category: key.split(":")[0],
        rate: BigInt(key.split(":")[1]),
        label: vat.options[vat.selectedIndex].text,
        taxable: 0n,
      };
      group.taxable += net;
      groups.set(key, group);
    });
    // Highest rate first, then category, as document_totals orders them.
    const sorted = Array.from(groups.values()).sort(function (a, b) {
      if (a.rate !== b.rate) return a.rate > b.rate ? -1 : 1;
      return a.category < b.category ? -1 : a.category > b.category ? 1 : 0;
    });
    const totals = editor.querySelector("[data-live-totals]");
    const body = totals.querySelector("[data-vat-groups]");
    const text = totals.dataset.vatGroupText;
    let net = 0n;
    let vat = 0n;
    body.replaceChildren();
    sorted.forEach(function (group) {
      const amount = roundDiv(group.taxable * group.rate, 100n);
      net += group.taxable;
      vat += amount;
      const row = document.createElement("tr");
      row.className = "vat-group";
      const head = document.createElement("th");
      head.scope = "row";
      head.textContent = text.replace("{label}", group.label).replace("{taxable}", money(group.taxable, zero));
      const cell = document.createElement("td");
      cell.className = "num";
      cell.textContent = money(amount, zero);
      row.append(head, cell);
      body.append(row);
    });
    totals.querySelector('[data-total="net"]').textContent = money(net, zero);
    totals.querySelector('[data-total="vat"]').textContent = money(vat, zero);
    totals.querySelector('[data-total="grand"]').textContent = money(net + vat, zero);
    const heading = editor.querySelector("[data-totals-heading]");
    if (heading) heading.textContent = heading.dataset.unsavedText;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-draft-editor][data-money-zero]").forEach(function (editor) {
      const changed = function (event) {
        if (event.target.closest("[data-line-row]")) update(editor);
      };
      editor.addEventListener("input", changed);
      editor.addEventListener("change", changed);
    });
  });
})();
