// pactum's report page: records script errors (the browser test reads them), sorts the
// tables and filters the findings. No network, no libraries.
(function () {
  "use strict";
  var root = document.documentElement;
  var errors = [];
  function record(message) {
    errors.push(String(message));
    root.setAttribute("data-errors", errors.join(" | "));
  }
  window.addEventListener("error", function (e) {
    record(e.message || "error");
  });
  window.addEventListener("unhandledrejection", function (e) {
    record("unhandled rejection: " + e.reason);
  });
  var consoleError = console.error;
  console.error = function () {
    record(Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };

  // Sorting: a click on a header sorts each body of its table by that column (the findings
  // stay grouped by partner; a group's heading row stays first).
  var SEVERITY = { info: 0, warning: 1, error: 2 };
  function cellValue(row, index, kind) {
    var cell = row.cells[index];
    if (!cell) return kind === "text" ? "" : -Infinity;
    var raw = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    if (kind === "num" || kind === "sev") {
      var n = kind === "sev" && raw in SEVERITY ? SEVERITY[raw] : parseFloat(raw);
      return isNaN(n) ? -Infinity : n;
    }
    return raw.toLowerCase();
  }
  // `ascending` given: that order; else the other order than the column's current one.
  function sortBy(table, th, ascending) {
    var index = th.cellIndex;
    var kind = th.getAttribute("data-sort");
    if (ascending === undefined) ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (c) {
      c.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.filter.call(body.rows, function (r) {
        return !r.classList.contains("partner-head");
      });
      rows.sort(function (a, b) {
        var x = cellValue(a, index, kind);
        var y = cellValue(b, index, kind);
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (r) {
        body.appendChild(r);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) return;
    Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-sort]"), function (th) {
      th.tabIndex = 0;
      function sort() {
        sortBy(table, th);
        // The findings' order goes in the URL fragment, with the filter.
        if (table.id === "findings") toHash();
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    });
  });

  // Filtering by rule, severity and partner type, from the select boxes or the URL
  // fragment (#rule=price.min-list&severity=error&type=dealer), which also holds the
  // findings' order (&sort=amount&dir=desc, a column's data-key).
  var table = document.getElementById("findings");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var shownOut = document.getElementById("shown");
  function apply() {
    if (!table) return;
    var shown = 0;
    var total = 0;
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var any = false;
      Array.prototype.forEach.call(body.querySelectorAll("tr.finding"), function (row) {
        total += 1;
        var ok = selects.every(function (s) {
          return s.value === "" || row.getAttribute("data-" + s.getAttribute("data-filter")) === s.value;
        });
        row.hidden = !ok;
        if (ok) {
          any = true;
          shown += 1;
        }
      });
      body.hidden = !any;
    });
    if (shownOut) shownOut.textContent = shown === total ? total + " findings" : shown + " of " + total + " findings shown";
    root.setAttribute("data-shown", String(shown));
  }
  function fromHash() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    selects.forEach(function (s) {
      var want = params.get(s.getAttribute("data-filter")) || "";
      if (want !== "" && !Array.prototype.some.call(s.options, function (o) { return o.value === want; })) {
        // A value no finding has: offer it, so the page shows that none match.
        var option = document.createElement("option");
        option.value = want;
        option.textContent = want;
        s.appendChild(option);
      }
      s.value = want;
    });
    var key = params.get("sort");
    if (table && table.tHead && key) {
      var th = Array.prototype.filter.call(table.tHead.rows[0].cells, function (c) {
        return c.getAttribute("data-key") === key;
      })[0];
      if (th) sortBy(table, th, params.get("dir") !== "desc");
    }
    apply();
  }
  function toHash() {
    var params = new URLSearchParams();
    selects.forEach(function (s) {
      if (s.value !== "") params.set(s.getAttribute("data-filter"), s.value);
    });
    var sorted = table && table.tHead ? table.tHead.querySelector("th[aria-sort]") : null;
    if (sorted && sorted.getAttribute("data-key")) {
      params.set("sort", sorted.getAttribute("data-key"));
      params.set("dir", sorted.getAttribute("aria-sort") === "descending" ? "desc" : "asc");
    }
    var hash = params.toString();
    try {
      history.replaceState(null, "", hash ? "#" + hash : window.location.pathname + window.location.search);
    } catch (e) {
      window.location.hash = hash;
    }
    apply();
  }
  selects.forEach(function (s) {
    s.addEventListener("change", toHash);
  });
  window.addEventListener("hashchange", fromHash);
  // Printing shows every chart's numbers.
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.open = true;
    });
  });
  fromHash();
  root.setAttribute("data-ready", "1");
})();
