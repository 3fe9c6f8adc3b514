// ecometrics report: sortable and filterable tables, and the comparison page's chart.
// Written into the site by `ecometrics report`; no other script is loaded, so every page
// works offline and from file://.
(function () {
  "use strict";

  // -- tables: click a column's name to sort, type in the box to filter -----------------

  function sortKey(cell, numeric) {
    var raw = cell.getAttribute("data-value");
    if (raw === null || raw === "") return null; // unknown: always last
    return numeric ? Number(raw) : raw.toLowerCase();
  }

  function sortTable(table, header) {
    var index = Array.prototype.indexOf.call(header.parentNode.cells, header);
    var numeric = header.getAttribute("data-type") === "number";
    var current = header.getAttribute("aria-sort");
    // Numbers first sort largest first (a ranking); text A to Z. Another click reverses.
    var descending = current ? current === "ascending" : numeric;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, position) {
      return { row: row, key: sortKey(row.cells[index], numeric), position: position };
    });
    rows.sort(function (a, b) {
      if (a.key === null || b.key === null) {
        if (a.key === b.key) return a.position - b.position;
        return a.key === null ? 1 : -1;
      }
      if (a.key < b.key) return descending ? 1 : -1;
      if (a.key > b.key) return descending ? -1 : 1;
      return a.position - b.position;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (item) { fragment.appendChild(item.row); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(header.parentNode.cells, function (other) {
      other.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function filterTable(table, text) {
    var words = text.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var content = row.textContent.toLowerCase();
      var match = words.every(function (word) { return content.indexOf(word) !== -1; });
      row.setAttribute("data-match", match ? "1" : "0");
    });
    table.setAttribute("data-limit", table.getAttribute("data-page-size") || "");
  }

  // Long rankings show a page of rows at a time (data-page-size); "Show more" adds a page.
  // Sorting and filtering see every row: the page is what is shown, not what is kept.
  function showRows(table, counter, more) {
    var limit = Number(table.getAttribute("data-limit")) || Infinity;
    var rows = table.tBodies[0].rows, matching = 0, shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var match = row.getAttribute("data-match") !== "0";
      if (match) matching += 1;
      row.hidden = !match || matching > limit;
      if (!row.hidden) shown += 1;
    });
    var total = rows.length.toLocaleString("en");
    if (counter) {
      counter.textContent = shown < matching
        ? "showing " + shown.toLocaleString("en") + " of " + matching.toLocaleString("en") + " matching rows (" + total + " in all)"
        : matching.toLocaleString("en") + " of " + total + " rows";
    }
    if (more) more.hidden = shown >= matching;
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.ranking"), function (table) {
    var box = document.querySelector('input[data-filter="' + table.id + '"]');
    var counter = document.querySelector('[data-count-for="' + table.id + '"]');
    var more = null;
    var size = Number(table.getAttribute("data-page-size")) || 0;
    if (size) {
      table.setAttribute("data-limit", String(size));
      more = document.createElement("button");
      more.type = "button";
      more.className = "more-rows";
      more.textContent = "Show " + size + " more rows";
      more.addEventListener("click", function () {
        table.setAttribute("data-limit", String((Number(table.getAttribute("data-limit")) || size) + size));
        showRows(table, counter, more);
      });
      table.parentNode.parentNode.insertBefore(more, table.parentNode.nextSibling);
    }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header) {
      var button = header.querySelector("button");
      if (button) button.addEventListener("click", function () { sortTable(table, header); showRows(table, counter, more); });
    });
    if (box) box.addEventListener("input", function () { filterTable(table, box.value); showRows(table, counter, more); });
    // ?sort=COLUMN opens the table sorted by that column, as an index board ranks its rows
    var column = new URLSearchParams(window.location.search).get("sort");
    var header = column && Array.prototype.filter.call(table.tHead.rows[0].cells, function (cell) {
      return cell.getAttribute("data-column") === column;
    })[0];
    if (header) sortTable(table, header);
    showRows(table, counter, more);
  });

  // -- the comparison page: repositories from the query string --------------------------

  var dataElement = document.getElementById("compare-data");
  if (!dataElement) return;
  var data = JSON.parse(dataElement.textContent);
  var params = new URLSearchParams(window.location.search);
  var asked = params.getAll("repo").concat((params.get("repos") || "").split(",")).filter(Boolean);
  var known = {};
  Object.keys(data.repos).forEach(function (name) { known[name.toLowerCase()] = name; });
  var chosen = [], unknown = [];
  (asked.length ? asked : data["default"]).forEach(function (name) {
    var found = known[name.trim().toLowerCase()];
    if (found && chosen.indexOf(found) === -1) chosen.push(found);
    else if (!found) unknown.push(name);
  });

  Array.prototype.forEach.call(document.querySelectorAll('input[name="repo"]'), function (box) {
    box.checked = chosen.indexOf(box.value) !== -1;
  });

  var tbody = document.querySelector("#table-compare tbody");
  chosen.forEach(function (name) {
    var row = tbody.insertRow();
    data.repos[name].cells.forEach(function (text, index) {
      var cell = row.insertCell();
      if (data.numeric[index]) cell.className = "num";
      if (index === 0) {
        var link = document.createElement("a");
        link.href = data.repos[name].page;
        link.textContent = text;
        cell.appendChild(link);
      } else {
        cell.textContent = text;
      }
    });
  });

  var holder = document.getElementById("compare-chart");
  if (unknown.length) {
    var warning = document.createElement("p");
    warning.className = "warning";
    warning.textContent = "Not in this report: " + unknown.join(", ") + ". Check the names (OWNER/NAME).";
    holder.appendChild(warning);
  }
  var drawn = chosen.filter(function (name) { return data.repos[name].stars.length; });
  // GitHub lists a repository's stargazers only to its admins and collaborators (changelog 2026-06-30)
  var withheld = chosen.filter(function (name) { return !data.repos[name].stars.length && data.repos[name].withheld; });
  if (withheld.length) {
    var restricted = document.createElement("p");
    restricted.className = "warning";
    restricted.textContent = "No star history for " + withheld.join(", ") + ": GitHub lists stargazers only to a " +
      "repository's admins and collaborators; `ecometrics import gharchive` fills it from WatchEvents.";
    holder.appendChild(restricted);
  }
  if (!drawn.length) {
    var none = document.createElement("p");
    none.textContent = "No star history to draw: choose repositories below.";
    holder.appendChild(none);
    return;
  }
  holder.appendChild(starChart(drawn));

  function svgElement(name, attributes, text) {
    var element = document.createElementNS("http://www.w3.org/2000/svg", name);
    Object.keys(attributes || {}).forEach(function (key) { element.setAttribute(key, attributes[key]); });
    if (text !== undefined) element.textContent = text;
    return element;
  }

  // Round ticks, as the matplotlib charts have them (chart_style): counts step by 1, 2 or 5
  // times a power of ten, dates fall on the first of a year or a month.
  function roundStep(most, count) {
    var raw = most / count, power = Math.pow(10, Math.floor(Math.log10(raw))), scaled = raw / power;
    return Math.max(1, (scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 5 ? 5 : 10) * power);
  }

  function dateTicks(first, last) {
    var start = new Date(first), end = new Date(last), ticks = [], most = 6;
    var months = (end.getUTCFullYear() - start.getUTCFullYear()) * 12 + end.getUTCMonth() - start.getUTCMonth();
    var every, year, month, time;
    if (months >= 36) {
      every = [1, 2, 5, 10, 20].filter(function (n) { return months / 12 / n <= most; })[0] || 50;
      for (year = Math.ceil(start.getUTCFullYear() / every) * every; (time = Date.UTC(year, 0, 1)) <= last; year += every) {
        if (time >= first) ticks.push([time, String(year)]);
      }
    } else if (months >= 2) {
      every = [1, 2, 3, 6, 12].filter(function (n) { return months / n <= most; })[0];
      for (month = start.getUTCFullYear() * 12 + start.getUTCMonth(); (time = Date.UTC(Math.floor(month / 12), month % 12, 1)) <= last; month += 1) {
        if (time >= first && month % every === 0) {
          ticks.push([time, new Date(time).toISOString().slice(0, 7)]);
        }
      }
    } else {
      every = Math.max(1, Math.ceil((last - first) / 86400000 / most));
      for (time = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); time <= last; time += every * 86400000) {
        if (time >= first) ticks.push([time, new Date(time).toISOString().slice(0, 10)]);
      }
    }
    return ticks;
  }

  function starChart(names) {
    var colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
    var width = 760, height = 360, left = 72, right = 16, top = 40, bottom = 56;
    var first = Infinity, last = -Infinity, most = 0;
    names.forEach(function (name) {
      data.repos[name].stars.forEach(function (point) {
        var time = Date.parse(point[0]);
        first = Math.min(first, time); last = Math.max(last, time); most = Math.max(most, point[1]);
      });
    });
    if (last === first) last = first + 86400000;
    var countStep = roundStep(most || 1, 4);
    most = Math.ceil((most || 1) / countStep) * countStep;  // the axis ends on a tick
    function x(time) { return left + (time - first) / (last - first) * (width - left - right); }
    function y(value) { return height - bottom - value / most * (height - top - bottom); }

    var title = "Star history of " + names.join(", ") + (data.note ? " (synthetic data)" : "");
    var svg = svgElement("svg", {
      viewBox: "0 0 " + width + " " + height, role: "img", "aria-labelledby": "chart-title chart-desc",
      width: "100%", preserveAspectRatio: "xMidYMid meet"
    });
    svg.appendChild(svgElement("title", { id: "chart-title" }, title));
    svg.appendChild(svgElement("desc", { id: "chart-desc" }, names.map(function (name) {
      var stars = data.repos[name].stars, end = stars[stars.length - 1];
      return name + ": " + end[1].toLocaleString("en") + " stars on " + end[0];
    }).join("; ") + "."));
    // the names are in the legend: drawn in the title they would run past the chart's edges
    svg.appendChild(svgElement("text", { x: width / 2, y: 18, "text-anchor": "middle", "class": "chart-title" },
      "Star history" + (data.note ? " (synthetic data)" : "")));

    for (var value = 0; value <= most; value += countStep) {
      var at = y(value);
      svg.appendChild(svgElement("line", { x1: left, x2: width - right, y1: at, y2: at, "class": "grid" }));
      svg.appendChild(svgElement("text", { x: left - 6, y: at + 4, "text-anchor": "end" }, value.toLocaleString("en")));
    }
    dateTicks(first, last).forEach(function (tick) {
      svg.appendChild(svgElement("line", { x1: x(tick[0]), x2: x(tick[0]), y1: height - bottom, y2: height - bottom + 5, "class": "axis" }));
      svg.appendChild(svgElement("text", { x: x(tick[0]), y: height - bottom + 18, "text-anchor": "middle" }, tick[1]));
    });
    svg.appendChild(svgElement("text", { x: (left + width - right) / 2, y: height - 12, "text-anchor": "middle", "class": "axis-label" },
      "date (UTC), weekly"));
    svg.appendChild(svgElement("text", {
      x: 16, y: (top + height - bottom) / 2, "text-anchor": "middle", "class": "axis-label",
      transform: "rotate(-90 16 " + (top + height - bottom) / 2 + ")"
    }, "stars (cumulative)"));
    svg.appendChild(svgElement("line", { x1: left, x2: left, y1: top, y2: height - bottom, "class": "axis" }));
    svg.appendChild(svgElement("line", { x1: left, x2: width - right, y1: height - bottom, y2: height - bottom, "class": "axis" }));

    var legend = document.createElement("ul");
    legend.className = "legend";
    names.forEach(function (name, index) {
      var colour = colours[index % colours.length];
      var path = data.repos[name].stars.map(function (point, position) {
        return (position ? "L" : "M") + x(Date.parse(point[0])).toFixed(1) + " " + y(point[1]).toFixed(1);
      }).join(" ");
      svg.appendChild(svgElement("path", { d: path, stroke: colour, "class": "series" }));
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(name));
      legend.appendChild(item);
    });
    var figure = document.createElement("figure");
    figure.appendChild(svg);
    figure.appendChild(legend);
    return figure;
  }
})();
