(function () {
  "use strict";
  var T = TEXTS;
  function cellText(row, i) {
    var cell = row.cells[i];
    return cell ? (cell.getAttribute("data-sort") || cell.textContent).trim() : "";
  }
  function asNumber(text) {
    var m = text.replace(/[,\s]/g, "").match(/^[-+]?\d+(\.\d+)?(?=%?$)/);
    return m ? parseFloat(m[0]) : null;
  }
  function compare(a, b) {
    var x = asNumber(a), y = asNumber(b);
    if (x !== null && y !== null) return x - y;
    return a.localeCompare(b, T.locale, { numeric: true });
  }
  function setup(table) {
    var body = table.tBodies[0], head = table.tHead && table.tHead.rows[0];
    if (!body || !head) return;
    var rows = Array.prototype.slice.call(body.rows);
    var tools = document.createElement("div"), label = document.createElement("label");
    var input = document.createElement("input"), count = document.createElement("span");
    tools.className = "table-tools";
    input.type = "search";
    input.placeholder = T.placeholder;
    count.className = "count";
    count.setAttribute("aria-live", "polite");
    label.appendChild(document.createTextNode(T.filter + " "));
    label.appendChild(input);
    tools.appendChild(label);
    tools.appendChild(count);
    table.parentNode.insertBefore(tools, table);
    function filter() {
      var query = input.value.trim().toLowerCase(), shown = 0;
      rows.forEach(function (row) {
        var hit = !query || row.textContent.toLowerCase().indexOf(query) >= 0;
        row.hidden = !hit;
        shown += hit ? 1 : 0;
      });
      count.textContent = query ? T.count.replace("{shown}", shown).replace("{total}", rows.length) : "";
    }
    input.addEventListener("input", filter);
    Array.prototype.forEach.call(head.cells, function (th, i) {
      th.tabIndex = 0;
      th.title = T.sort;
      th.setAttribute("aria-sort", "none");
      function sort() {
        var up = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(head.cells, function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        rows.slice().sort(function (a, b) {
          var d = compare(cellText(a, i), cellText(b, i));
          return up ? d : -d;
        }).forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
    table.ewShowAll = function () { input.value = ""; filter(); };
  }
  // A link to a row (#fig-…) still lands on it when the filter hides it: the filter is cleared.
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (!target || !target.hidden) return;
    var table = target.closest("table");
    if (table && table.ewShowAll) { table.ewShowAll(); target.scrollIntoView(); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.appendix"), setup);
  window.addEventListener("hashchange", reveal);
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest('a[href^="#"]');
    if (link) setTimeout(reveal, 0);
  });
  reveal();
})();
