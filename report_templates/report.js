// pgdiag report: sortable and filterable tables, copy buttons. Static code inlined into the page and
// allowed by its hash in the page's Content-Security-Policy. It never builds markup from data: values
// are read from the escaped DOM (cell text, data-value attributes) and written back only as text.
// Without JavaScript the page is complete; these controls are created here, so they do not exist then.
"use strict";

(function () {
  function cellValue(row, column, numeric) {
    var cell = row.cells[column];
    if (!cell) { return numeric ? null : ""; }
    if (numeric) {
      var raw = cell.getAttribute("data-value");
      return raw === null || raw === "" ? null : Number(raw);
    }
    return cell.textContent.trim().toLowerCase();
  }

  function compare(a, b, numeric, direction) {
    if (a === null || b === null) {  // unknown values always last
      return a === b ? 0 : (a === null ? 1 : -1);
    }
    if (numeric) { return direction * (a - b); }
    return direction * a.localeCompare(b);
  }

  function sortBy(table, header) {
    var headers = table.tHead.rows[0].cells;
    var column = Array.prototype.indexOf.call(headers, header);
    var numeric = header.getAttribute("data-sort") === "num";
    var current = header.getAttribute("aria-sort");
    var descending = current ? current === "ascending" : numeric;
    var direction = descending ? -1 : 1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return { row: row, index: index, value: cellValue(row, column, numeric) };
    });
    rows.sort(function (x, y) {
      return compare(x.value, y.value, numeric, direction) || x.index - y.index;
    });
    for (var h = 0; h < headers.length; h++) { headers[h].removeAttribute("aria-sort"); }
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.forEach(function (item) { body.appendChild(item.row); });
  }

  function makeSortable(table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      if (!header.hasAttribute("data-sort")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.title = "Sort by this column";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      header.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, header); });
    });
  }

  function addFilter(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var tools = document.createElement("div");
    tools.className = "table-tools";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "filter";
    input.placeholder = "Filter " + rows.length + " rows";
    input.setAttribute("aria-label", "Filter the " + (table.getAttribute("aria-label") || "table") + " table");
    var count = document.createElement("span");
    count.className = "muted small filter-count";
    count.setAttribute("aria-live", "polite");
    tools.appendChild(input);
    tools.appendChild(count);
    var anchor = table.closest(".table-wrap") || table;
    anchor.parentNode.insertBefore(tools, anchor);
    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = query === "" || texts[i].indexOf(query) !== -1;
        row.hidden = !match;
        if (match) { shown++; }
      });
      count.textContent = query === "" ? "" : shown + " of " + rows.length + " rows";
    });
  }

  function addCopyButton(pre) {
    var wrap = document.createElement("div");
    wrap.className = "copyable";
    pre.parentNode.insertBefore(wrap, pre);
    wrap.appendChild(pre);
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    wrap.appendChild(button);
    function say(text) {
      button.textContent = text;
      window.setTimeout(function () { button.textContent = "Copy"; }, 2000);
    }
    function select() {  // fallback: select the text so the reader can copy it by hand
      var range = document.createRange();
      range.selectNodeContents(pre);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say("Selected: press Ctrl+C");
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(pre.textContent).then(function () { say("Copied"); }, select);
      } else {
        select();
      }
    });
  }

  document.querySelectorAll("table.sortable").forEach(function (table) {
    makeSortable(table);
    addFilter(table);
  });
  document.querySelectorAll("pre[data-copy]").forEach(addCopyButton);
})();
