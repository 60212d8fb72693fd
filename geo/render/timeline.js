/* frontline timeline page: map, date slider, area chart and events over one JSON blob.
 *
 * Reads the data from the JSON script element #fl-data (written by geo/render/timeline.py) and
 * builds everything with DOM methods. Text from data is only ever set with textContent, and links only take an
 * http(s) href; no text from data is ever parsed as HTML. Needs Leaflet 1.9 (window.L). No other library.
 *
 * Coordinates in the data are integers of 1e-5 degree, (lon, lat), delta-encoded; `decode` is the one place
 * where they become Leaflet's [lat, lng].
 */
(function () {
  "use strict";

  var SVGNS = "http://www.w3.org/2000/svg";
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var COLOUR = /^#[0-9a-fA-F]{6}$/;
  var HTTP = /^https?:\/\/[^\s]+$/i;
  var DAY = 86400000;
  var data = JSON.parse(document.getElementById("fl-data").textContent);

  // ---- dates ---------------------------------------------------------------------------------------------------
  var t0 = Date.UTC(+data.start.slice(0, 4), +data.start.slice(5, 7) - 1, +data.start.slice(8, 10));
  var days = [];
  var dates = [];
  var acc = 0;
  data.steps.forEach(function (s) {
    acc += s;
    days.push(acc);
    dates.push(new Date(t0 + acc * DAY).toISOString().slice(0, 10));
  });
  var n = dates.length;
  var statuses = data.statuses;
  var areaIdx = data.area_statuses;

  function frameAt(i) { return data.frames[data.at[i]]; }
  function totalAt(i) { return frameAt(i).km2[areaIdx.length]; }

  /** Index of the last date on or before `iso`; 0 if `iso` is before the first date. */
  function indexOnOrBefore(iso) {
    var lo = 0, hi = n - 1, best = 0;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (dates[mid] <= iso) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
    }
    return best;
  }

  /** Index of the date nearest to day offset `d`. */
  function indexNearDay(d) {
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) {
      var mid = (lo + hi) >> 1;
      if (days[mid] <= d) { lo = mid; } else { hi = mid; }
    }
    return Math.abs(days[hi] - d) < Math.abs(d - days[lo]) ? hi : lo;
  }

  // ---- text ----------------------------------------------------------------------------------------------------
  function fmt(v, decimals) {
    var s = Math.abs(v).toFixed(decimals);
    var parts = s.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var out = parts.join(".");
    return (v < 0 && +s !== 0 ? "\u2212" : "") + out;
  }
  function km2(v) { return fmt(v, 1) + "\u00a0km\u00b2"; }
  function longDate(iso) {
    return String(+iso.slice(8, 10)) + " " + MONTHS[+iso.slice(5, 7) - 1] + " " + iso.slice(0, 4);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { e.textContent = String(text); }
    return e;
  }
  function colourOf(st) { return COLOUR.test(st.colour) ? st.colour : "#444444"; }
  function link(url, text) {
    if (typeof url === "string" && HTTP.test(url)) {
      var a = el("a", "fl-link", text || url);
      a.href = url;
      a.rel = "noopener noreferrer nofollow";
      a.target = "_blank";
      return a;
    }
    return el("span", "fl-source", text || "");
  }

  // ---- coordinates: the one conversion to Leaflet's [lat, lng] ---------------------------------------------------
  function decode(flat) {
    var out = new Array(flat.length / 2);
    var x = 0, y = 0;
    for (var i = 0, j = 0; i < flat.length; i += 2, j++) {
      x += flat[i];
      y += flat[i + 1];
      out[j] = [y / 1e5, x / 1e5];
    }
    return out;
  }
  function latLng(p) { return [p[1] / 1e5, p[0] / 1e5]; }

  // ---- map -----------------------------------------------------------------------------------------------------
  var map = L.map("fl-map", { attributionControl: false, zoomSnap: 0.25, minZoom: 3 });
  [["fl-context", 405], ["fl-areas", 410], ["fl-lines", 420], ["fl-events", 630]].forEach(function (p) {
    map.createPane(p[0]).style.zIndex = p[1];
  });
  var b = data.bounds;
  map.fitBounds([[b[1] / 1e5, b[0] / 1e5], [b[3] / 1e5, b[2] / 1e5]], { padding: [12, 12] });
  L.control.scale({ imperial: false }).addTo(map);
  if (data.tiles) {
    L.tileLayer(data.tiles.url, {
      subdomains: data.tiles.subdomains || "abc", maxZoom: data.tiles.max_zoom, crossOrigin: false
    }).addTo(map);
  }
  var renderer = L.svg({ padding: 0.5 });

  data.context.lines.forEach(function (c) {
    L.polyline(decode(c.line), {
      pane: "fl-context", renderer: renderer, interactive: false, color: "#555555",
      weight: c.kind === "border" ? 1.6 : 0.8, dashArray: c.kind === "border" ? "6 4" : null, opacity: 0.8
    }).addTo(map);
  });
  data.context.places.forEach(function (p) {
    L.circleMarker(latLng(p.point), {
      pane: "fl-context", renderer: renderer, radius: 2.5, color: "#222222", weight: 1, fillOpacity: 1,
      interactive: false
    }).bindTooltip(el("span", "fl-place-name", p.name), {
      permanent: true, direction: "right", offset: [4, 0], className: "fl-place"
    }).addTo(map);
  });

  // Attribution: a control of ours filled with textContent (Leaflet's own inserts HTML).
  var Attribution = L.Control.extend({
    options: { position: "bottomright" },
    onAdd: function () {
      var div = L.DomUtil.create("div", "fl-map-attribution leaflet-control");
      var lines = ["Leaflet"].concat(data.attribution);
      if (data.tiles && data.tiles.attribution) { lines.push(data.tiles.attribution); }
      div.textContent = lines.join(" \u00b7 ");
      return div;
    }
  });
  new Attribution().addTo(map);

  var partLayers = new Array(data.parts.length);
  function partLayer(id) {
    if (partLayers[id]) { return partLayers[id]; }
    var part = data.parts[id];
    var st = statuses[part[0]];
    var colour = colourOf(st);
    var rings = part[2].map(decode);
    var layer;
    if (part[1] === "P") {
      layer = L.polygon(rings, {
        pane: "fl-areas", renderer: renderer, color: colour, weight: 1, opacity: 0.9,
        fillColor: colour, fillOpacity: 0.45, className: "fl-part fl-area fl-status-" + st.key
      });
    } else {
      layer = L.polyline(rings[0], {
        pane: "fl-lines", renderer: renderer, color: colour, weight: 2.5, opacity: 1,
        className: "fl-part fl-line fl-status-" + st.key
      });
    }
    layer.bindTooltip(el("span", "fl-tip", st.label), { sticky: true });
    partLayers[id] = layer;
    return layer;
  }

  var eventMarkers = data.events.map(function (ev) {
    if (!ev.point) { return null; }
    var tip = el("span", "fl-tip");
    tip.appendChild(el("strong", null, ev.title));
    tip.appendChild(document.createTextNode(" \u00b7 " + longDate(ev.date)));
    return L.circleMarker(latLng(ev.point), {
      pane: "fl-events", renderer: renderer, radius: 5, color: "#111111", weight: 1.5,
      fillColor: "#ffd23f", fillOpacity: 0.95, className: "fl-event-marker"
    }).bindTooltip(tip);
  });

  // ---- legend --------------------------------------------------------------------------------------------------
  var legend = document.getElementById("fl-legend");
  statuses.forEach(function (st) {
    var li = el("li", "fl-legend-item");
    var sw = el("span", "fl-swatch fl-swatch-" + (st.kind === "line" ? "line" : "area"));
    sw.style.setProperty("--fl-colour", colourOf(st));
    li.appendChild(sw);
    li.appendChild(el("span", "fl-legend-label", st.label));
    legend.appendChild(li);
  });
  if (data.events.length) {
    var li = el("li", "fl-legend-item");
    li.appendChild(el("span", "fl-swatch fl-swatch-event"));
    li.appendChild(el("span", "fl-legend-label", "Event"));
    legend.appendChild(li);
  }

  // ---- chart ---------------------------------------------------------------------------------------------------
  var W = 640, H = 300, ML = 62, MR = 14, MT = 30, MB = 30;
  var PW = W - ML - MR, PH = H - MT - MB;
  var dSpan = Math.max(days[n - 1] - days[0], 1);
  var maxTotal = 0;
  for (var i = 0; i < n; i++) { maxTotal = Math.max(maxTotal, totalAt(i)); }
  function niceStep(max) {
    var raw = max / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = [1, 2, 2.5, 5, 10].filter(function (k) { return k * p >= raw; })[0];
    return m * p;
  }
  var yStep = maxTotal > 0 ? niceStep(maxTotal) : 1;
  var yMax = Math.max(yStep, Math.ceil(maxTotal / yStep) * yStep);
  function X(d) { return ML + (d - days[0]) / dSpan * PW; }
  function Y(v) { return MT + PH - v / yMax * PH; }
  function r2(v) { return Math.round(v * 100) / 100; }

  var chart = svg("svg", {
    viewBox: "0 0 " + W + " " + H, class: "fl-chart-svg", role: "img", "aria-labelledby": "fl-chart-title"
  });
  chart.appendChild(svg("title", { id: "fl-chart-title" }, "Area held over time, km\u00b2"));
  var gAxes = svg("g", { class: "fl-axes" });
  chart.appendChild(gAxes);
  for (var v = 0; v <= yMax + 1e-9; v += yStep) {
    gAxes.appendChild(svg("line", { x1: ML, x2: W - MR, y1: r2(Y(v)), y2: r2(Y(v)), class: "fl-grid" }));
    gAxes.appendChild(svg("text", { x: ML - 6, y: r2(Y(v)) + 4, class: "fl-tick fl-tick-y" }, fmt(v, 0)));
  }
  gAxes.appendChild(svg("text", { x: 4, y: 14, class: "fl-axis-title" }, "km\u00b2"));
  // month ticks: the first of each month (every 2nd, 3rd or 6th on long series), the year where it changes
  var first = new Date(t0), monthsSpan = Math.max(1, dSpan / 30.44);
  var every = monthsSpan > 36 ? 6 : monthsSpan > 18 ? 3 : monthsSpan > 9 ? 2 : 1;
  var ym = first.getUTCFullYear() * 12 + first.getUTCMonth() + (first.getUTCDate() === 1 ? 0 : 1);
  var yearShown = false;
  for (; ; ym++) {
    var dm = Math.round((Date.UTC(Math.floor(ym / 12), ym % 12, 1) - t0) / DAY);
    if (dm > days[n - 1]) { break; }
    if ((ym % 12) % every !== 0) { continue; }
    var label = MONTHS[ym % 12] + (ym % 12 === 0 || !yearShown ? " " + Math.floor(ym / 12) : "");
    yearShown = true;
    gAxes.appendChild(svg("line", { x1: r2(X(dm)), x2: r2(X(dm)), y1: MT + PH, y2: MT + PH + 4, class: "fl-axis" }));
    gAxes.appendChild(svg("text", { x: r2(X(dm)), y: H - 10, class: "fl-tick fl-tick-x" }, label));
  }
  gAxes.appendChild(svg("line", { x1: ML, x2: W - MR, y1: MT + PH, y2: MT + PH, class: "fl-axis" }));

  // the union of the area statuses, filled; each area status as a line
  var pts = [];
  for (i = 0; i < n; i++) { pts.push(r2(X(days[i])) + "," + r2(Y(totalAt(i)))); }
  chart.appendChild(svg("path", {
    d: "M" + r2(X(days[0])) + "," + r2(Y(0)) + "L" + pts.join("L") + "L" + r2(X(days[n - 1])) + "," + r2(Y(0)) + "Z",
    class: "fl-series-total"
  }));
  areaIdx.forEach(function (si, j) {
    var p = [];
    for (var q = 0; q < n; q++) { p.push(r2(X(days[q])) + "," + r2(Y(frameAt(q).km2[j]))); }
    var line = svg("polyline", { points: p.join(" "), class: "fl-series" });
    line.style.stroke = colourOf(statuses[si]);
    chart.appendChild(line);
  });
  // the peak
  var peak = data.peak;
  var px = X(days[peak]), py = Y(totalAt(peak));
  chart.appendChild(svg("circle", { cx: r2(px), cy: r2(py), r: 4, class: "fl-peak" }));
  var peakText = svg("text", {
    x: r2(px + (px > ML + PW * 0.6 ? -8 : 8)), y: r2(Math.max(py - 8, MT - 6)),
    class: "fl-peak-label", "text-anchor": px > ML + PW * 0.6 ? "end" : "start"
  }, "Peak " + km2(totalAt(peak)) + ", " + longDate(dates[peak]));
  chart.appendChild(peakText);
  // events
  var gEvents = svg("g", { class: "fl-chart-events" });
  chart.appendChild(gEvents);
  data.events.forEach(function (ev) {
    var d = Math.round((Date.parse(ev.date + "T00:00:00Z") - t0) / DAY);
    var x = r2(X(d));
    var m = svg("path", {
      d: "M" + x + "," + (MT + PH - 1) + "l-5,-9h10z", class: "fl-chart-event", tabindex: 0, role: "button"
    });
    m.appendChild(svg("title", {}, longDate(ev.date) + ": " + ev.title));
    function go(e) { e.stopPropagation(); stop(); show(indexOnOrBefore(ev.date)); }
    m.addEventListener("click", go);
    m.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(e); } });
    gEvents.appendChild(m);
  });
  // the cursor of the shown date
  var gCursor = svg("g", { class: "fl-cursor" });
  var cLine = svg("line", { y1: MT, y2: MT + PH, class: "fl-cursor-line" });
  var cLabel = svg("text", { y: MT - 10, class: "fl-cursor-label" }, "");
  gCursor.appendChild(cLine);
  gCursor.appendChild(cLabel);
  var cDots = areaIdx.map(function (si) {
    var c = svg("circle", { r: 3.5, class: "fl-cursor-dot" });
    c.style.fill = colourOf(statuses[si]);
    gCursor.appendChild(c);
    return c;
  });
  var cTotal = svg("circle", { r: 3.5, class: "fl-cursor-dot fl-cursor-total" });
  gCursor.appendChild(cTotal);
  chart.appendChild(gCursor);
  chart.addEventListener("click", function (e) {
    var ctm = chart.getScreenCTM();
    if (!ctm) { return; }
    var pt = chart.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    var x = pt.matrixTransform(ctm.inverse()).x;
    var dd = days[0] + (Math.min(Math.max(x, ML), ML + PW) - ML) / PW * dSpan;
    stop();
    show(indexNearDay(dd));
  });
  document.getElementById("fl-chart").appendChild(chart);

  // ---- events list ---------------------------------------------------------------------------------------------
  var list = document.getElementById("fl-event-list");
  var eventItems = data.events.map(function (ev) {
    var li = el("li", "fl-event");
    var btn = el("button", "fl-event-date", longDate(ev.date));
    btn.type = "button";
    btn.addEventListener("click", function () { stop(); show(indexOnOrBefore(ev.date)); });
    li.appendChild(btn);
    li.appendChild(el("strong", "fl-event-title", ev.title));
    if (ev.text) { li.appendChild(el("span", "fl-event-text", ev.text)); }
    if (ev.url || ev.source) { li.appendChild(link(ev.url, ev.source || "source")); }
    list.appendChild(li);
    return li;
  });
  if (!data.events.length) { list.parentNode.hidden = true; }

  // ---- footer --------------------------------------------------------------------------------------------------
  var foot = document.getElementById("fl-attribution");
  foot.textContent = data.attribution.concat(data.tiles && data.tiles.attribution ? [data.tiles.attribution] : [])
    .concat(["Areas on the WGS84 ellipsoid; front lines drawn, not measured."]).join(" \u00b7 ");

  // ---- the shown date ------------------------------------------------------------------------------------------
  var slider = document.getElementById("fl-slider");
  var out = document.getElementById("fl-date");
  var caption = document.getElementById("fl-caption");
  var layerLine = document.getElementById("fl-layer");
  var permalink = document.getElementById("fl-permalink");
  var shown = {};
  var current = -1;
  var api = { dates: dates, lastRedrawMs: null, index: -1 };

  function show(i) {
    var start = performance.now();
    i = Math.max(0, Math.min(n - 1, i | 0));
    var frame = frameAt(i);
    var want = {};
    frame.parts.forEach(function (id) { want[id] = true; });
    Object.keys(shown).forEach(function (id) {
      if (!want[id]) { map.removeLayer(partLayers[id]); delete shown[id]; }
    });
    frame.parts.forEach(function (id) {
      if (!shown[id]) { partLayer(id).addTo(map); shown[id] = true; }
    });
    var iso = dates[i];
    data.events.forEach(function (ev, j) {
      var m = eventMarkers[j];
      var on = ev.date <= iso;
      if (m) {
        if (on && !map.hasLayer(m)) { m.addTo(map); }
        if (!on && map.hasLayer(m)) { map.removeLayer(m); }
        if (on) { m.setRadius(ev.date === iso ? 8 : 5); }
      }
      eventItems[j].classList.toggle("fl-current", ev.date === iso);
      eventItems[j].classList.toggle("fl-future", ev.date > iso);
    });
    // caption
    caption.textContent = "";
    caption.appendChild(el("strong", "fl-caption-date", longDate(iso)));
    areaIdx.forEach(function (si, j) {
      var s = el("span", "fl-fig");
      s.dataset.status = statuses[si].key;
      s.textContent = statuses[si].label + ": " + km2(frame.km2[j]);
      caption.appendChild(document.createTextNode(" \u00b7 "));
      caption.appendChild(s);
    });
    var tot = el("span", "fl-fig fl-fig-total");
    tot.dataset.status = "total";
    tot.textContent = "Total: " + km2(frame.km2[areaIdx.length]);
    caption.appendChild(document.createTextNode(" \u00b7 "));
    caption.appendChild(tot);
    if (i > peak && totalAt(peak) > 0) {
      var lost = totalAt(peak) - frame.km2[areaIdx.length];
      caption.appendChild(document.createTextNode(" \u00b7 "));
      caption.appendChild(el("span", "fl-fig fl-fig-peak", fmt(-lost, 1) + "\u00a0km\u00b2 since the peak (" +
        fmt(100 * lost / totalAt(peak), 0) + "% of it)"));
    }
    layerLine.textContent = "Layer of " + iso + ", version " + frame.version +
      (data.sources[frame.source] ? " \u00b7 source: " + data.sources[frame.source] : "");
    // chart cursor
    var x = r2(X(days[i]));
    cLine.setAttribute("x1", x);
    cLine.setAttribute("x2", x);
    cLabel.setAttribute("x", x);
    cLabel.setAttribute("text-anchor", x > ML + PW * 0.85 ? "end" : x < ML + PW * 0.15 ? "start" : "middle");
    cLabel.textContent = longDate(iso);
    areaIdx.forEach(function (si, j) {
      cDots[j].setAttribute("cx", x);
      cDots[j].setAttribute("cy", r2(Y(frame.km2[j])));
    });
    cTotal.setAttribute("cx", x);
    cTotal.setAttribute("cy", r2(Y(frame.km2[areaIdx.length])));
    // controls and address
    slider.value = String(i);
    slider.setAttribute("aria-valuetext", longDate(iso));
    out.textContent = longDate(iso);
    permalink.href = "#" + iso;
    if (location.hash !== "#" + iso) {
      try { history.replaceState(null, "", "#" + iso); } catch (err) { /* sandboxed frame: keep the old hash */ }
    }
    current = i;
    api.index = i;
    api.date = iso;
    api.lastRedrawMs = performance.now() - start;
  }

  // ---- controls ------------------------------------------------------------------------------------------------
  var playBtn = document.getElementById("fl-play");
  var timer = null;
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playBtn.textContent = "Play";
    playBtn.setAttribute("aria-pressed", "false");
  }
  function play() {
    if (current >= n - 1) { show(0); }
    playBtn.textContent = "Pause";
    playBtn.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      if (current >= n - 1) { stop(); } else { show(current + 1); }
    }, 250);
  }
  playBtn.addEventListener("click", function () { if (timer === null) { play(); } else { stop(); } });
  document.getElementById("fl-prev").addEventListener("click", function () { stop(); show(current - 1); });
  document.getElementById("fl-next").addEventListener("click", function () { stop(); show(current + 1); });
  // The range input steps with the arrow keys, Home and End natively; PageUp/PageDown move a week of layers.
  slider.addEventListener("input", function () { stop(); show(+slider.value); });
  slider.addEventListener("keydown", function (e) {
    if (e.key === "PageUp" || e.key === "PageDown") {
      e.preventDefault();
      stop();
      show(current + (e.key === "PageUp" ? 7 : -7));
    }
  });
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (/^\d{4}-\d{2}-\d{2}$/.test(h)) { return indexOnOrBefore(h); }
    return null;
  }
  window.addEventListener("hashchange", function () {
    var i = fromHash();
    if (i !== null && i !== current) { stop(); show(i); }
  });
  api.show = show;
  window.frontlineTimeline = api;
  var startAt = fromHash();
  show(startAt === null ? n - 1 : startAt);
}());
