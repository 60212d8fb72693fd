/* frontline timeline page: map, date slider, area chart and events over one JSON blob.
 *
 * Reads the data from the JSON script element #fl-data (written by geo/render/timeline.py) and builds the live
 * page with DOM methods. Text from data is only ever set with textContent; no text from data is ever parsed as
 * HTML. The links (of events) are in the server's HTML, http(s) only. Every string a reader sees comes from data.text (TEXT in timeline.py).
 * Needs Leaflet 1.9 (window.L); without it the page the server wrote (title, caption, legend, table,
 * attribution) stays as it is.
 *
 * Two classes on <html>: "fl-js" once this script runs with Leaflet (shows the live pieces, so that they have a
 * size to draw into), "fl-live" once the map has drawn (hides the pieces the live page replaces). An error on
 * the way removes both: the reader gets the server's page, never a half-built one.
 *
 * The blob's arcs, shapes, show, frames and days are packed strings (geo/render/packing.py): `unpack` reads
 * them back into the lists timeline_data returned, first thing. Ship timeline.min.js after any edit here: run
 * scripts/minify-js.
 *
 * Coordinates in the data are integers of 1e-5 degree, (lon, lat), delta-encoded along each arc (and each
 * context line); `decode` and `latLng` are the one place where they become Leaflet's [lat, lng]. A date's
 * shapes are rebuilt from the arcs they reference (ringsOf), as date_shapes in timeline.py does.
 */
(function () {
  "use strict";

  var root = document.documentElement;
  function byId(id) { return document.getElementById(id); }
  function listen(target, type, fn, options) { target.addEventListener(type, fn, options); }

  function start() {
    if (typeof window.L === "undefined" || typeof window.L.map !== "function") {
      return;  // Leaflet did not load (no network, CDN blocked): the server's page stays
    }
    root.classList.add("fl-js");
    try {
      build(JSON.parse(byId("fl-data").textContent));
      root.classList.add("fl-live");
    } catch (err) {
      root.classList.remove("fl-js", "fl-live");
      if (window.console) { window.console.error("frontline timeline: " + err); }
    }
  }

  // ---- the packed blob (geo/render/packing.py): six strings of base-44 integers, read back into the lists that
  // timeline_data returned (unpack_payload in Python is the same reading) --------------------------------------
  var DIGITS = "", NOT_DIGITS = [34, 38, 60, 62, 92, 123];  // " & < > \ {
  for (var c = 0x21; c < 0x7f; c++) {
    if (NOT_DIGITS.indexOf(c) < 0) { DIGITS += String.fromCharCode(c); }
  }
  var BASE = DIGITS.length / 2, DIGIT = {};
  for (var d = 0; d < DIGITS.length; d++) { DIGIT[DIGITS.charCodeAt(d)] = d; }
  function ints(text) {
    var out = [], v = 0, m = 1;
    for (var i = 0; i < text.length; i++) {
      var x = DIGIT[text.charCodeAt(i)];
      if (x >= BASE) { v += (x - BASE) * m; m *= BASE; } else { out.push(v + x * m); v = 0; m = 1; }
    }
    return out;
  }
  function signed(u) { return u % 2 ? -(u + 1) / 2 : u / 2; }
  function unpack(data) {
    var v, k, i, n, out;
    // a shape's tokens: 0 between rings (-1), 2a+1 arc a whole, 2a+2 then i and j-i: the slice [a, i, j]
    function tokens(count, into) {
      for (var t = 0; t < count; t++) {
        var c = v[k++];
        if (c === 0) { into.push(-1); } else if (c % 2) { into.push((c - 1) / 2); } else {
          var s = v[k++];
          into.push([(c - 2) / 2, s, s + signed(v[k++])]);
        }
      }
      return into;
    }
    // arcs: each vertex two steps from the one before; an arc's two ends first a reference (how far back among
    // the distinct vertices seen so far, 1 the newest) or 0 then the steps. Written back as steps, as
    // timeline_data has them.
    v = ints(data.arcs);
    out = [];
    var pts = [], ids = {}, x = 0, y = 0;
    for (k = 0; k < v.length;) {
      n = v[k++];
      var flat = [];
      for (i = 0; i < n; i++) {
        var ref = i === 0 || i === n - 1 ? v[k++] : 0, px, py;
        if (ref) { px = pts[pts.length - ref][0]; py = pts[pts.length - ref][1]; } else {
          px = x + signed(v[k++]);
          py = y + signed(v[k++]);
        }
        flat.push(px - x, py - y);
        x = px;
        y = py;
        if (!ids.hasOwnProperty(px + "," + py)) { ids[px + "," + py] = pts.length; pts.push([px, py]); }
      }
      out.push(flat);
    }
    data.arcs = out;
    v = ints(data.shapes);
    out = [];
    for (k = 0; k < v.length;) {
      var h = v[k++], head = [h >> 2, h & 2 ? "L" : "P"];
      if (!(h & 1)) { n = v[k++]; head.push(tokens(n, [])); out.push(head); continue; }
      head.push(out.length - v[k++]);
      var ops = [], end = 0;
      for (n = v[k++]; n > 0; n--) {
        var s0 = end + v[k++];
        end = s0 + v[k++];
        var count = v[k++];
        ops.push(tokens(count, [s0, end]));
      }
      head.push(ops);
      out.push(head);
    }
    data.shapes = out;
    // show: per change, its date step, then the ids gone and new in one ascending run, 2 * step + (gone)
    v = ints(data.show);
    out = [];
    var last = 0;
    for (k = 0; k < v.length;) {
      last += v[k++];
      var gone = [], added = [], id = 0;
      for (n = v[k++]; n > 0; n--) {
        id += Math.floor(v[k] / 2);
        (v[k++] % 2 ? gone : added).push(id);
      }
      out.push([last].concat(gone.map(function (g) { return ~g; }), added));
    }
    data.show = out;
    // frames: each status's km² a step from the frame before (1e-3 km²), their union as its difference from their
    // sum, then z(version step) * S + source
    var width = data.area_statuses.length + 1, S = data.sources.length, prev = [], version = 0;
    for (i = 0; i < width; i++) { prev.push(0); }
    v = ints(data.frames);
    out = [];
    for (k = 0; k < v.length; k += width + 1) {
      var km2 = [];
      var sum = 0;
      for (i = 0; i < width - 1; i++) { prev[i] += signed(v[k + i]); sum += prev[i]; }
      prev[width - 1] = sum + signed(v[k + width - 1]);
      for (i = 0; i < width; i++) { km2.push(prev[i] / 1000); }
      version += signed(Math.floor(v[k + width] / S));
      out.push({ km2: km2, version: version, source: v[k + width] % S });
    }
    data.frames = out;
    // days: 3 * day step + c, c 0 the frame before, 1 the next, 2 another (its z step follows)
    v = ints(data.days);
    data.steps = [];
    data.at = [];
    for (k = 0, i = 0; k < v.length;) {
      var c3 = v[k++] % 3;
      data.steps.push(Math.floor(v[k - 1] / 3));
      i += c3 < 2 ? c3 : signed(v[k++]);
      data.at.push(i);
    }
    return data;
  }

  function build(data) {
    data = unpack(data);
    var T = data.text;
    var SVGNS = "http://www.w3.org/2000/svg";
    var COLOUR = /^#[0-9a-fA-F]{6}$/;
    var DAY = 86400000;
    var SEP = " \u00b7 ";

    // ---- dates -------------------------------------------------------------------------------------------------
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
    var peak = data.peak;

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

    // ---- text: the same forms as timeline.py (number, km2, short_date, long_date) --------------------------------
    function fmt(v, decimals) {
      var s = Math.abs(v).toFixed(decimals);
      var parts = s.split(".");
      parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, T.thousands);
      return (v < 0 && +s !== 0 ? "\u2212" : "") + parts.join(T.decimal);
    }
    function km2(v) { return fmt(v, 1) + "\u00a0" + T.km2_unit; }
    function dayText(iso, months) {
      return fill(T.day_pattern, { d: String(+iso.slice(8, 10)), m: months[+iso.slice(5, 7) - 1], y: iso.slice(0, 4) });
    }
    function shortDate(iso) { return dayText(iso, T.months_short); }
    function longDate(iso) { return dayText(iso, T.months_long); }
    function fill(template, values) {
      return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
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
    function debounce(fn, ms) {
      var t = null;
      return function () { clearTimeout(t); t = setTimeout(fn, ms); };
    }

    // ---- coordinates: the one conversion to Leaflet's [lat, lng] -------------------------------------------------
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

    // ---- map ---------------------------------------------------------------------------------------------------
    // Its height follows the shape of the ground it fits (the bounds of every area part of the series), between
    // MAP_MIN and MAP_MAX px, so that a phone shows the ground large rather than a tall box of empty land.
    var MAP_MIN = 240, MAP_MAX = 520, MAP_PAD = 14;
    var box = byId("fl-map");
    var b = data.bounds;
    var fitTo = L.latLngBounds([[b[1] / 1e5, b[0] / 1e5], [b[3] / 1e5, b[2] / 1e5]]);
    function mercY(lat) { return Math.log(Math.tan(Math.PI / 4 + lat * Math.PI / 360)); }
    var shape = (mercY(b[3] / 1e5) - mercY(b[1] / 1e5)) / Math.max((b[2] - b[0]) / 1e5 * Math.PI / 180, 1e-9);
    function sizeMap() {
      var w = box.clientWidth || 300;
      var h = Math.round(Math.min(MAP_MAX, Math.max(MAP_MIN, (w - 2 * MAP_PAD) * shape + 2 * MAP_PAD + 24)));
      box.style.height = h + "px";
    }
    sizeMap();
    var map = L.map(box, { attributionControl: false, zoomSnap: 0.25, minZoom: 3 });
    if (getComputedStyle(map.getPane("mapPane")).position !== "absolute") {
      map.remove();
      throw new Error("Leaflet's stylesheet did not load");  // its script alone draws a broken map: keep the page
    }
    var fitting = false, userMoved = false;
    function fit() {
      fitting = true;
      map.invalidateSize({ pan: false });
      map.fitBounds(fitTo, { padding: [MAP_PAD, MAP_PAD], animate: false });
      fitting = false;
    }
    map.on("movestart zoomstart", function () { if (!fitting) { userMoved = true; } });
    fit();
    [["fl-context", 405], ["fl-areas", 410], ["fl-lines", 420], ["fl-events", 630]].forEach(function (p) {
      map.createPane(p[0]).style.zIndex = p[1];
    });
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
        weight: c.kind === "border" ? 1.6 : 0.8, dashArray: c.kind === "border" ? "6 4" : null, opacity: 0.8,
        className: "fl-ctx-" + c.kind
      }).addTo(map);
    });
    var countryLabels = (data.context.countries || []).map(function (c) {
      return L.marker(latLng(c.point), {
        pane: "fl-context", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "fl-country-anchor", iconSize: [0, 0] })
      }).bindTooltip(el("span", "fl-country-name", c.name), {
        permanent: true, direction: "center", className: "fl-country"
      }).addTo(map);
    });
    var placeLabels = data.context.places.map(function (p) {
      var dot = L.circleMarker(latLng(p.point), {
        pane: "fl-context", renderer: renderer, radius: 2.5, color: "#222222", weight: 1, fillOpacity: 1,
        className: "fl-place-dot",
        interactive: false
      }).bindTooltip(el("span", "fl-place-name", p.name), {
        permanent: true, direction: "right", offset: [4, 0], className: "fl-place"
      }).addTo(map);
      return dot;
    });
    // Labels in rank order: one that would overlap a label or dot kept before it, or leave the map, is dropped
    // with its dot (as frontline.js does on the date maps).
    function declutter() {
      var frame = map.getContainer().getBoundingClientRect();
      var kept = [], gap = 3;
      function hit(r) {
        return kept.some(function (k) {
          return r.left - gap < k.right && r.right + gap > k.left && r.top - gap < k.bottom && r.bottom + gap > k.top;
        });
      }
      countryLabels.concat(placeLabels).forEach(function (dot) {
        var node = dot.getTooltip() && dot.getTooltip().getElement();
        var path = dot instanceof L.CircleMarker ? dot.getElement() : null;
        if (!node) { return; }
        node.style.visibility = "";
        if (path) { path.style.visibility = ""; }
        var r = node.getBoundingClientRect(), d = path ? path.getBoundingClientRect() : null;
        var inside = r.left >= frame.left + 2 && r.right <= frame.right - 2 && r.top >= frame.top + 2 &&
          r.bottom <= frame.bottom - 2;
        if (!inside || hit(r) || (d && hit(d))) {
          node.style.visibility = "hidden";
          if (path) { path.style.visibility = "hidden"; }
        } else {
          kept.push(r);
          if (d) { kept.push(d); }
        }
      });
    }
    map.on("zoomend moveend resize", declutter);
    setTimeout(declutter, 0);

    // Attribution on the map: Leaflet, as plain text, and the tiles' line when there are tiles (their licence asks
    // for it on the map). Never Leaflet's own control: it inserts HTML, and its default prefix draws a flag. The
    // data's attribution is the page's footer, right under the map, where it does not cover the ground on a phone.
    var Attribution = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "fl-map-attribution leaflet-control");
        var lines = ["Leaflet"];
        if (data.tiles && data.tiles.attribution) { lines.push(data.tiles.attribution); }
        div.textContent = lines.join(SEP);
        return div;
      }
    });
    new Attribution().addTo(map);

    // ---- gestures: one finger and a plain wheel scroll the page; two fingers or ctrl/cmd + wheel move the map --
    // (the behaviour of Leaflet.GestureHandling, in a few lines). Keyboard and the zoom buttons work as ever.
    var hint = el("div", "fl-gesture-hint");
    hint.setAttribute("aria-hidden", "true");
    box.appendChild(hint);
    var hintTimer = null;
    function showHint(text) {
      hint.textContent = text;
      box.classList.add("fl-hint-on");
      clearTimeout(hintTimer);
      hintTimer = setTimeout(function () { box.classList.remove("fl-hint-on"); }, 1500);
    }
    function hideHint() { clearTimeout(hintTimer); box.classList.remove("fl-hint-on"); }
    var MAC = /Mac|iPhone|iPad/.test(navigator.platform || "");
    // Capture phase on the container: runs before Leaflet's own wheel listener there, and stops it for a plain wheel
    // (the page then scrolls, since nothing prevents the default).
    listen(box, "wheel", function (e) {
      if (e.ctrlKey || e.metaKey) { hideHint(); return; }
      e.stopPropagation();
      showHint(MAC ? T.hint_wheel_mac : T.hint_wheel);
    }, true);
    // One finger: no drag (the CSS gives the container touch-action: pan-x pan-y, so the browser scrolls the page);
    // two fingers: Leaflet's pinch handler pans and zooms. Dragging stays on for a mouse.
    listen(box, "touchstart", function (e) {
      if (e.touches.length === 1) { map.dragging.disable(); } else { hideHint(); }
    }, { capture: true, passive: true });
    listen(box, "touchmove", function (e) {
      if (e.touches.length === 1) { showHint(T.hint_touch); }
    }, { capture: true, passive: true });
    function touchEnd(e) { if (e.touches.length === 0) { map.dragging.enable(); } }
    listen(box, "touchend", touchEnd, { capture: true, passive: true });
    listen(box, "touchcancel", touchEnd, { capture: true, passive: true });

    // ---- shapes: rebuilt from the arcs they reference (geo/topology.py; date_shapes in timeline.py is the same
    // rebuild in Python). The arcs are decoded once; each shape's tokens and Leaflet layer are made when first shown.
    // each arc's absolute integer [lon, lat] vertices; an arc's first vertex is stored from the last of the one before
    var arcPts = [];
    (function () {
      var x = 0, y = 0;
      data.arcs.forEach(function (flat) {
        var pts = new Array(flat.length / 2);
        for (var i = 0, j = 0; i < flat.length; i += 2, j++) {
          x += flat[i];
          y += flat[i + 1];
          pts[j] = [x, y];
        }
        arcPts.push(pts);
      });
    }());
    var shapeTokens = new Array(data.shapes.length);
    // a shape's tokens: stored whole, or as edits of an earlier shape's
    function tokensOf(k) {
      if (shapeTokens[k]) { return shapeTokens[k]; }
      var e = data.shapes[k], out = e[2];
      if (e.length === 4) {
        var base = tokensOf(e[2]), at = 0, q;
        out = [];
        e[3].forEach(function (op) {
          for (q = at; q < op[0]; q++) { out.push(base[q]); }
          for (q = 2; q < op.length; q++) { out.push(op[q]); }
          at = op[1];
        });
        for (q = at; q < base.length; q++) { out.push(base[q]); }
      }
      shapeTokens[k] = out;
      return out;
    }
    // a shape's rings (a line: one), as Leaflet's [lat, lng]; polygon rings left open
    function ringsOf(k) {
      var polygon = data.shapes[k][1] === "P", rings = [], ring = [];
      tokensOf(k).concat([-1]).forEach(function (t) {
        if (t === -1) {
          var last = ring[ring.length - 1];
          if (polygon && ring.length > 1 && last[0] === ring[0][0] && last[1] === ring[0][1]) { ring.pop(); }
          rings.push(ring.map(latLng));
          ring = [];
          return;
        }
        var whole = typeof t === "number", pts = arcPts[whole ? t : t[0]];
        var s = whole ? 0 : t[1], e = whole ? pts.length - 1 : t[2], d = e > s ? 1 : -1;
        // each slice starts where the last one ended
        for (var i = ring.length ? s + d : s; ; i += d) {
          ring.push(pts[i]);
          if (i === e) { break; }
        }
      });
      return rings;
    }
    // the shapes each date shows (ids ascending): `show` lists only the dates whose set changes
    var shapesOn = new Array(n);
    (function () {
      var on = {}, cur = [], next = 0;
      for (var i = 0; i < n; i++) {
        if (next < data.show.length && data.show[next][0] === i) {
          data.show[next].slice(1).forEach(function (k) { if (k < 0) { delete on[~k]; } else { on[k] = true; } });
          cur = Object.keys(on).map(Number).sort(function (x, y) { return x - y; });
          next++;
        }
        shapesOn[i] = cur;
      }
    }());

    var shapeLayers = new Array(data.shapes.length);
    function shapeLayer(id) {
      if (shapeLayers[id]) { return shapeLayers[id]; }
      var st = statuses[data.shapes[id][0]];
      var colour = colourOf(st);
      var rings = ringsOf(id);
      var layer;
      if (data.shapes[id][1] === "P") {
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
      shapeLayers[id] = layer;
      return layer;
    }

    var eventMarkers = data.events.map(function (ev) {
      if (!ev.point) { return null; }
      var tip = el("span", "fl-tip");
      tip.appendChild(el("strong", null, ev.title));
      tip.appendChild(document.createTextNode(SEP + shortDate(ev.date)));
      return L.circleMarker(latLng(ev.point), {
        pane: "fl-events", renderer: renderer, radius: 5, color: "#111111", weight: 1.5,
        fillColor: "#ffd23f", fillOpacity: 0.95, className: "fl-event-marker"
      }).bindTooltip(tip);
    });

    // ---- chart -------------------------------------------------------------------------------------------------
    // Drawn at the container's own width in CSS px (viewBox = px), so that its text is the size the CSS says at
    // every width; drawn again when the width changes.
    var chartBox = byId("fl-chart");
    var dSpan = Math.max(days[n - 1] - days[0], 1);
    var maxTotal = 0;
    for (var k = 0; k < n; k++) { maxTotal = Math.max(maxTotal, totalAt(k)); }
    // a second source (timeline --compare): its union over its own dates, on the same axes
    var cmp = data.compare || null;
    var cmpDays = [];
    if (cmp) {
      var cacc = Math.round((Date.UTC(+cmp.start.slice(0, 4), +cmp.start.slice(5, 7) - 1, +cmp.start.slice(8, 10)) -
        t0) / DAY);
      cmp.steps.forEach(function (s, j) {
        cacc += s;
        cmpDays.push(cacc);
        maxTotal = Math.max(maxTotal, cmp.totals[j]);
      });
    }
    function niceStep(max) {
      var raw = max / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
      var m = [1, 2, 2.5, 5, 10].filter(function (q) { return q * p >= raw; })[0];
      return m * p;
    }
    var yStep = maxTotal > 0 ? niceStep(maxTotal) : 1;
    var yMax = Math.max(yStep, Math.ceil(maxTotal / yStep) * yStep);
    function r2(v) { return Math.round(v * 100) / 100; }
    var ch = null;  // the chart now drawn: its scales and the cursor's elements

    function drawChart() {
      var W = Math.max(240, Math.floor(chartBox.clientWidth || 320));
      var H = Math.round(Math.min(300, Math.max(200, W * 0.5)));
      var ML = 12 + 7.5 * fmt(yMax, 0).length, MR = 12, MT = 38, MB = 26;
      var PW = W - ML - MR, PH = H - MT - MB;
      function X(d) { return ML + (d - days[0]) / dSpan * PW; }
      function Y(v) { return MT + PH - v / yMax * PH; }
      var chart = svg("svg", {
        width: W, height: H, viewBox: "0 0 " + W + " " + H, class: "fl-chart-svg", role: "group",
        "aria-label": T.chart_label
      });
      chartBox.textContent = "";
      chartBox.appendChild(chart);
      var gAxes = svg("g", { class: "fl-axes", "aria-hidden": "true" });
      chart.appendChild(gAxes);
      for (var v = 0; v <= yMax + 1e-9; v += yStep) {
        gAxes.appendChild(svg("line", { x1: ML, x2: W - MR, y1: r2(Y(v)), y2: r2(Y(v)), class: "fl-grid" }));
        gAxes.appendChild(svg("text", { x: ML - 6, y: r2(Y(v)) + 4, class: "fl-tick fl-tick-y" }, fmt(v, 0)));
      }
      gAxes.appendChild(svg("text", { x: 2, y: MT - 8, class: "fl-axis-title" }, T.chart_axis));
      // month ticks: the first of each month, or of every 2nd, 3rd, 6th or 12th when months are narrow; the year
      // on the first label and on each January
      var monthPx = PW / Math.max(1, dSpan / 30.44);
      var every = [1, 2, 3, 6, 12].filter(function (q) { return q * monthPx >= 64; })[0] || 12;
      var first = new Date(t0);
      var ym = first.getUTCFullYear() * 12 + first.getUTCMonth() + (first.getUTCDate() === 1 ? 0 : 1);
      var yearShown = false;
      for (; ; ym++) {
        var dm = Math.round((Date.UTC(Math.floor(ym / 12), ym % 12, 1) - t0) / DAY);
        if (dm > days[n - 1]) { break; }
        if ((ym % 12) % every !== 0) { continue; }
        var label = (T.months_axis || T.months_short)[ym % 12] +
          (ym % 12 === 0 || !yearShown ? " " + Math.floor(ym / 12) : "");
        yearShown = true;
        var x = r2(X(dm));
        gAxes.appendChild(svg("line", { x1: x, x2: x, y1: MT + PH, y2: MT + PH + 4, class: "fl-axis" }));
        var tick = svg("text", { x: x, y: H - 8, class: "fl-tick fl-tick-x" }, label);
        gAxes.appendChild(tick);
        var half = tick.getComputedTextLength() / 2;
        if (x + half > W - 2) { tick.setAttribute("text-anchor", "end"); tick.setAttribute("x", W - 2); }
      }
      gAxes.appendChild(svg("line", { x1: ML, x2: W - MR, y1: MT + PH, y2: MT + PH, class: "fl-axis" }));

      // the union of the area statuses, filled; each area status as a line
      var gSeries = svg("g", { class: "fl-series-all", "aria-hidden": "true" });
      chart.appendChild(gSeries);
      var pts = [];
      for (var i = 0; i < n; i++) { pts.push(r2(X(days[i])) + "," + r2(Y(totalAt(i)))); }
      gSeries.appendChild(svg("path", {
        d: "M" + r2(X(days[0])) + "," + r2(Y(0)) + "L" + pts.join("L") + "L" + r2(X(days[n - 1])) + "," +
          r2(Y(0)) + "Z",
        class: "fl-series-total"
      }));
      areaIdx.forEach(function (si, j) {
        var p = [];
        for (var q = 0; q < n; q++) { p.push(r2(X(days[q])) + "," + r2(Y(frameAt(q).km2[j]))); }
        var line = svg("polyline", { points: p.join(" "), class: "fl-series" });
        line.style.stroke = colourOf(statuses[si]);
        gSeries.appendChild(line);
      });
      if (cmp) {
        var cp = [];
        for (var ci = 0; ci < cmpDays.length; ci++) {
          if (cmpDays[ci] < days[0] || cmpDays[ci] > days[n - 1]) { continue; }
          cp.push(r2(X(cmpDays[ci])) + "," + r2(Y(cmp.totals[ci])));
        }
        if (cp.length) { gSeries.appendChild(svg("polyline", { points: cp.join(" "), class: "fl-series-compare" })); }
      }
      // the peak, its label kept inside the chart
      var px = X(days[peak]), py = Y(totalAt(peak));
      gSeries.appendChild(svg("circle", { cx: r2(px), cy: r2(py), r: 4, class: "fl-peak" }));
      var peakText = svg("text", { y: r2(Math.max(py - 8, MT - 4)), class: "fl-peak-label" },
        fill(T.peak, { km2: km2(totalAt(peak)), date: shortDate(dates[peak]) }));
      gSeries.appendChild(peakText);
      var pw = peakText.getComputedTextLength();
      var left = px > ML + PW * 0.6 ? px - 8 - pw : px + 8;
      peakText.setAttribute("x", r2(Math.max(2, Math.min(W - 2 - pw, left))));
      // events: buttons inside the group (a focusable marker in an image is "nested-interactive"); each has a
      // target 24 px high and up to 24 px wide around its marker, cut halfway to its neighbours
      var gEvents = svg("g", { class: "fl-chart-events" });
      chart.appendChild(gEvents);
      var evX = data.events.map(function (ev) {
        return r2(X(Math.round((Date.parse(ev.date + "T00:00:00Z") - t0) / DAY)));
      });
      data.events.forEach(function (ev, j) {
        var ex = evX[j];
        var x0 = j > 0 && evX[j - 1] < ex ? Math.max(ex - 12, (evX[j - 1] + ex) / 2) : ex - 12;
        var x1 = j < evX.length - 1 && evX[j + 1] > ex ? Math.min(ex + 12, (ex + evX[j + 1]) / 2) : ex + 12;
        var name = fill(T.event_marker, { date: shortDate(ev.date), title: ev.title });
        var m = svg("g", { class: "fl-chart-event", tabindex: 0, role: "button", "aria-label": name });
        m.appendChild(svg("title", {}, name));
        m.appendChild(svg("rect", { x: r2(x0), y: MT + PH - 22, width: r2(x1 - x0), height: 24, class: "fl-hit" }));
        m.appendChild(svg("path", { d: "M" + ex + "," + (MT + PH - 1) + "l-5,-9h10z", class: "fl-chart-mark" }));
        function go(e) { e.stopPropagation(); stop(); show(indexOnOrBefore(ev.date)); }
        listen(m, "click", go);
        listen(m, "keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(e); }
        });
        gEvents.appendChild(m);
      });
      // the cursor of the shown date
      var gCursor = svg("g", { class: "fl-cursor", "aria-hidden": "true" });
      var cLine = svg("line", { y1: MT - 2, y2: MT + PH, class: "fl-cursor-line" });
      var cLabel = svg("text", { y: 14, class: "fl-cursor-label" }, "");
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
      listen(chart, "click", function (e) {
        var r = chart.getBoundingClientRect();
        var cx = (e.clientX - r.left) * W / Math.max(r.width, 1);
        stop();
        show(indexNearDay(days[0] + (Math.min(Math.max(cx, ML), ML + PW) - ML) / PW * dSpan));
      });
      ch = { W: W, X: X, Y: Y, line: cLine, label: cLabel, dots: cDots, total: cTotal, width: chartBox.clientWidth };
      if (current >= 0) { cursorTo(current); }
    }

    function cursorTo(i) {
      var frame = frameAt(i);
      var x = r2(ch.X(days[i]));
      ch.line.setAttribute("x1", x);
      ch.line.setAttribute("x2", x);
      ch.label.textContent = shortDate(dates[i]);
      var w = ch.label.getComputedTextLength();
      ch.label.setAttribute("x", r2(Math.max(2, Math.min(ch.W - 2 - w, x - w / 2))));
      areaIdx.forEach(function (si, j) {
        ch.dots[j].setAttribute("cx", x);
        ch.dots[j].setAttribute("cy", r2(ch.Y(frame.km2[j])));
      });
      ch.total.setAttribute("cx", x);
      ch.total.setAttribute("cy", r2(ch.Y(frame.km2[areaIdx.length])));
    }

    // ---- events list: the server wrote it (texts, sources, links); each date becomes a button to that date --------
    var list = byId("fl-event-list");
    var eventItems = data.events.map(function (ev, j) {
      var li = list && list.children[j];
      var span = li && li.querySelector(".fl-event-date");
      if (!span) { return null; }
      var btn = el("button", "fl-event-date", shortDate(ev.date));
      btn.type = "button";
      listen(btn, "click", function () { stop(); show(indexOnOrBefore(ev.date)); });
      li.replaceChild(btn, span);
      return li;
    });

    // ---- the shown date ----------------------------------------------------------------------------------------
    var slider = byId("fl-slider");
    var outLong = document.querySelector("#fl-date .fl-date-long");
    var outShort = document.querySelector("#fl-date .fl-date-short");
    var caption = byId("fl-caption");
    var layerLine = byId("fl-layer");
    var permalink = byId("fl-permalink");
    var shown = {};
    var current = -1;
    var api = { dates: dates, lastRedrawMs: null, index: -1, map: map };

    function writeCaption(i) {
      var frame = frameAt(i);
      caption.textContent = "";
      caption.appendChild(el("strong", "fl-caption-date", longDate(dates[i])));
      areaIdx.forEach(function (si, j) {
        var s = el("span", "fl-fig", statuses[si].label + ": " + km2(frame.km2[j]));
        s.dataset.status = statuses[si].key;
        caption.appendChild(document.createTextNode(SEP));
        caption.appendChild(s);
      });
      var tot = el("span", "fl-fig fl-fig-total", T.total + ": " + km2(frame.km2[areaIdx.length]));
      tot.dataset.status = "total";
      caption.appendChild(document.createTextNode(SEP));
      caption.appendChild(tot);
      if (i > peak && totalAt(peak) > 0) {
        var lost = totalAt(peak) - frame.km2[areaIdx.length];
        caption.appendChild(document.createTextNode(SEP));
        caption.appendChild(el("span", "fl-fig fl-fig-peak",
          fill(T.since_peak, { km2: km2(-lost), pct: fmt(100 * lost / totalAt(peak), 0) })));
      }
    }

    function show(i) {
      var t1 = performance.now();
      i = Math.max(0, Math.min(n - 1, i | 0));
      var frame = frameAt(i);
      var want = {};
      shapesOn[i].forEach(function (id) { want[id] = true; });
      Object.keys(shown).forEach(function (id) {
        if (!want[id]) { map.removeLayer(shapeLayers[id]); delete shown[id]; }
      });
      shapesOn[i].forEach(function (id) {
        if (!shown[id]) { shapeLayer(id).addTo(map); shown[id] = true; }
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
        if (eventItems[j]) {
          eventItems[j].classList.toggle("fl-current", ev.date === iso);
          eventItems[j].classList.toggle("fl-future", ev.date > iso);
        }
      });
      writeCaption(i);
      var source = data.sources[frame.source];
      layerLine.textContent = fill(T.layer, { date: shortDate(iso), version: frame.version }) +
        (source ? SEP + fill(T.layer_source, { source: source }) : "");
      current = i;
      cursorTo(i);
      slider.value = String(i);
      slider.setAttribute("aria-valuetext", longDate(iso));
      outLong.textContent = longDate(iso);
      outShort.textContent = shortDate(iso);
      permalink.href = "#" + iso;
      if (location.hash !== "#" + iso) {
        try { history.replaceState(null, "", "#" + iso); } catch (err) { /* sandboxed frame: keep the old hash */ }
      }
      api.index = i;
      api.date = iso;
      api.lastRedrawMs = performance.now() - t1;
    }

    // ---- controls ----------------------------------------------------------------------------------------------
    var playBtn = byId("fl-play");
    var playLabel = playBtn.querySelector(".fl-play-label");
    var timer = null;
    function stop() {
      if (timer !== null) { clearInterval(timer); timer = null; }
      playLabel.textContent = T.play;
      playBtn.classList.remove("fl-playing");
      caption.setAttribute("aria-live", "polite");
    }
    function play() {
      if (current >= n - 1) { show(0); }
      playLabel.textContent = T.pause;
      playBtn.classList.add("fl-playing");
      caption.setAttribute("aria-live", "off");  // four dates a second would drown a screen reader
      timer = setInterval(function () {
        if (current >= n - 1) { stop(); } else { show(current + 1); }
      }, 250);
    }
    listen(playBtn, "click", function () { if (timer === null) { play(); } else { stop(); } });
    listen(byId("fl-prev"), "click", function () { stop(); show(current - 1); });
    listen(byId("fl-next"), "click", function () { stop(); show(current + 1); });
    // The range input steps with the arrow keys, Home and End natively; PageUp/PageDown move a week of layers.
    listen(slider, "input", function () { stop(); show(+slider.value); });
    listen(slider, "keydown", function (e) {
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
    listen(window, "hashchange", function () {
      var i = fromHash();
      if (i !== null && i !== current) { stop(); show(i); }
    });

    // ---- size: the chart redrawn at its new width, the map refitted unless the reader has moved it ----------------
    function relayout() {
      sizeMap();
      if (userMoved) { map.invalidateSize({ pan: false }); } else { fit(); }
      if (ch && chartBox.clientWidth !== ch.width) { drawChart(); }
    }
    listen(window, "resize", debounce(relayout, 150));
    listen(window, "beforeprint", function () { root.classList.add("fl-print"); relayout(); });
    listen(window, "afterprint", function () { root.classList.remove("fl-print"); relayout(); });

    drawChart();
    api.show = show;
    api.relayout = relayout;
    api.data = data;  // the unpacked data, for tests (a browser test compares it with unpack_payload)
    window.frontlineTimeline = api;
    var startAt = fromHash();
    show(startAt === null ? data.open : startAt);
    caption.setAttribute("aria-live", "polite");  // after the first date: the opening caption is not news
  }

  if (document.readyState === "loading") {
    listen(document, "DOMContentLoaded", start);
  } else {
    start();
  }
}());
