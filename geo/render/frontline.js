/* frontline: draw a map payload (geo/render/payload.py) with Leaflet over the page the server wrote.
   The title, legend, caption, figures and credits are already in the HTML; this script adds the live map, hides
   the static drawing once Leaflet has drawn, keeps the page's scroll (two fingers or ctrl + wheel move the map),
   drops labels that collide or leave the frame, and tells an embedding article its height.
   Every text from data is written with textContent, never innerHTML. */
var frontline = (function () {
  "use strict";

  // The words come from the payload (geo/render/messages.json, in the page's language).

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function safeHref(u) {
    var p;
    if (typeof u !== "string" || !u) return null;
    try { p = new URL(u); } catch (err) { return null; }
    return (p.protocol === "http:" || p.protocol === "https:") ? p.href : null;
  }

  function tip(lines) {
    var box = el("div", "fl-tip");
    for (var i = 0; i < lines.length; i++) box.appendChild(el(i ? "div" : "strong", null, lines[i]));
    return box;
  }

  function pane(map, name, z) {
    var p = map.getPane(name) || map.createPane(name);
    p.style.zIndex = String(z);
    return name;
  }

  // Keep each label, in rank order, only if it lies wholly inside the map and overlaps no label or dot kept
  // before it; a dropped place loses its dot too. Countries come first.
  function declutter(map, labels) {
    var frame = map.getContainer().getBoundingClientRect();
    var kept = [];
    // the legend lies over the map on wide frames: no label under it
    var legendBox = document.querySelector(".fl-legend");
    if (legendBox && getComputedStyle(legendBox).position === "absolute") kept.push(legendBox.getBoundingClientRect());
    var gap = 3;  // px kept free around every label and dot
    function hit(r) {
      return kept.some(function (k) {
        return r.left - gap < k.right && r.right + gap > k.left && r.top - gap < k.bottom && r.bottom + gap > k.top;
      });
    }
    labels.forEach(function (it) {
      var node = it.tooltip.getElement();
      var dot = it.marker && it.marker.getElement ? it.marker.getElement() : null;
      if (!node) return;
      node.style.visibility = "";
      if (dot) dot.style.visibility = "";
      var r = node.getBoundingClientRect();
      var d = dot ? dot.getBoundingClientRect() : null;
      var inside = r.left >= frame.left + 2 && r.right <= frame.right - 2 && r.top >= frame.top + 2 &&
        r.bottom <= frame.bottom - 2;
      if (!inside || hit(r) || (d && hit(d))) {
        node.style.visibility = "hidden";
        if (dot) dot.style.visibility = "hidden";
      } else {
        kept.push(r);
        if (d) kept.push(d);
      }
    });
  }

  // The page's compact geometry (geo/render/geometry.py: pack) back to GeoJSON: parts of integer 1e-5 degree
  // (lon, lat) pairs, delta-encoded; polygon rings without their closing vertex.
  function ring(flat, close) {
    var out = [], x = 0, y = 0;
    for (var i = 0; i < flat.length; i += 2) {
      x += flat[i];
      y += flat[i + 1];
      out.push([x / 1e5, y / 1e5]);
    }
    if (close && out.length) out.push(out[0]);
    return out;
  }
  function unpack(g) {
    if (!g || !g.z) return g;
    var polys = [], lines = [];
    g.z.forEach(function (p) {
      if (p[0] === "P") polys.push(p[1].map(function (r) { return ring(r, true); }));
      else if (p[0] === "L") lines.push(ring(p[1][0], false));
    });
    var geoms = [];
    if (polys.length) geoms.push({ type: "MultiPolygon", coordinates: polys });
    if (lines.length) geoms.push({ type: "MultiLineString", coordinates: lines });
    return geoms.length === 1 ? geoms[0] : { type: "GeometryCollection", geometries: geoms };
  }

  function geo(g, opts, lines) {
    var layer = L.geoJSON(unpack(g), opts);
    if (lines) layer.bindTooltip(tip(lines), { sticky: true, direction: "top" });
    return layer;
  }

  // One finger scrolls the article and a plain wheel scrolls the page; two fingers, or ctrl/cmd + wheel, move
  // and zoom the map, with a short hint otherwise (the behaviour of Leaflet.GestureHandling).
  function gestures(map, hint, words) {
    var box = map.getContainer();
    var timer = null;
    var mac = /Mac|iPhone|iPad/.test(navigator.platform || "");
    function say(text) {
      if (!hint) return;
      hint.textContent = text;
      hint.classList.add("fl-show");
      clearTimeout(timer);
      timer = setTimeout(function () { hint.classList.remove("fl-show"); }, 1400);
    }
    map.scrollWheelZoom.disable();
    box.addEventListener("wheel", function (e) {
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        var at = map.mouseEventToContainerPoint(e);
        map.setZoomAround(at, map.getZoom() + (e.deltaY < 0 ? 0.5 : -0.5));
        if (hint) hint.classList.remove("fl-show");
      } else {
        say(mac ? words.hint_wheel_mac : words.hint_wheel);
      }
    }, { passive: false });
    var touch = ("ontouchstart" in window) || (navigator.maxTouchPoints || 0) > 0;
    if (!touch) return;
    map.dragging.disable();
    box.addEventListener("touchstart", function (e) {
      if (e.touches.length >= 2) {
        map.dragging.enable();
        if (hint) hint.classList.remove("fl-show");
      } else {
        map.dragging.disable();
        say(words.hint_touch);
      }
    }, { passive: true });
    box.addEventListener("touchend", function (e) {
      if (e.touches.length < 2) map.dragging.disable();
    }, { passive: true });
  }

  // The map's height when the page is as tall as it needs (the CSS clamps of .fl-mapbox), and the page's height
  // at that map height: what an embedding article should give the frame.
  function naturalHeight(mapbox) {
    var w = document.documentElement.clientWidth;
    var fixed = w < 640 ? Math.min(Math.max(240, w), 640) : Math.min(Math.max(220, 0.62 * w), 640);
    var kids = document.body.children, sum = 0;
    for (var i = 0; i < kids.length; i++) {
      var s = getComputedStyle(kids[i]);
      if (s.position === "absolute" || s.display === "none") continue;
      sum += kids[i].getBoundingClientRect().height + parseFloat(s.marginTop) + parseFloat(s.marginBottom);
    }
    return Math.ceil(sum - mapbox.getBoundingClientRect().height + fixed);
  }

  function tellParent(key, mapbox) {
    if (window.parent === window) return;
    var last = 0;
    function post() {
      var h = naturalHeight(mapbox);
      if (Math.abs(h - last) < 2) return;
      last = h;
      var msg = {};
      msg[key] = h;
      try { window.parent.postMessage({ "frontline-height": msg }, "*"); } catch (err) { /* no parent to tell */ }
    }
    post();
    window.addEventListener("resize", post);
    document.querySelectorAll("details").forEach(function (d) { d.addEventListener("toggle", post); });
  }

  function draw(map, d) {
    var c = d.colours, ctx = d.context || {};
    var mapbox = map.getContainer().parentNode;
    var hint = mapbox.querySelector(".fl-hint");
    map.invalidateSize(false);
    pane(map, "fl-context", 350);
    pane(map, "fl-changes", 420);
    pane(map, "fl-lines", 440);
    pane(map, "fl-places", 460);
    if (ctx.outlines) {
      geo(ctx.outlines, { pane: "fl-context", interactive: false, className: "fl-outlines",
        style: { color: c.outlines, weight: 1, opacity: 0.9, fill: false } }).addTo(map);
    }
    if (ctx.border) {
      geo(ctx.border, { pane: "fl-context", interactive: false, className: "fl-border",
        style: { color: c.border, weight: 2, opacity: 0.9, dashArray: "8 4 2 4", fill: false } }).addTo(map);
    }
    d.features.forEach(function (f) {
      var st = d.statuses[f.s];
      var line = st.kind === "line";
      var style = line
        ? { color: st.colour, weight: 3, opacity: 0.95, fill: false }
        : { color: st.colour, weight: 1.2, opacity: 0.9, fillColor: st.colour, fillOpacity: 0.42 };
      geo(f.g, { pane: line ? "fl-lines" : "overlayPane", className: "fl-s-" + f.s + (line ? " fl-line" : " fl-area") +
        (st.claimed ? " fl-claimed" : ""), style: style }, f.t).addTo(map);
    });
    // changes (gained, lost) and comparisons (both, only_a, only_b): lost and only_b are hatched, their second cue
    d.changes.forEach(function (f) {
      var col = c[f.k] || "#444444";
      var hatched = f.k === "lost" || f.k === "only_b";
      geo(f.g, { pane: "fl-changes", className: "fl-change fl-" + f.k,
        style: hatched
          ? { color: col, weight: 2, opacity: 1, dashArray: "5 4", fillColor: col, fillOpacity: 1 }
          : { color: col, weight: 1.5, opacity: 1, fillColor: col, fillOpacity: f.k === "both" ? 0.45 : 0.55 } },
        f.t).addTo(map);
    });
    var labels = [];
    (ctx.countries || []).forEach(function (p) {
      var m = L.marker(p.ll, { pane: "fl-places", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "fl-country-anchor", iconSize: [0, 0] }) })
        .bindTooltip(el("span", "fl-t", p.n), { permanent: true, direction: "center", className: "fl-country",
          interactive: false })
        .addTo(map);
      labels.push({ tooltip: m.getTooltip(), marker: null });
    });
    (ctx.places || []).forEach(function (p) {
      var dot = L.circleMarker(p.ll, { pane: "fl-places", radius: 3, color: "#ffffff", weight: 1,
        fillColor: c.place, fillOpacity: 1, className: "fl-place-dot", interactive: false })
        .bindTooltip(el("span", "fl-t", p.n), { permanent: true, direction: "right", offset: [4, 0],
          className: "fl-place", interactive: false })
        .addTo(map);
      labels.push({ tooltip: dot.getTooltip(), marker: dot });
    });
    // Keep the drawing clear of the legend where it lies over the map (wide frames).
    var legendBox = document.querySelector(".fl-legend");
    var over = legendBox && getComputedStyle(legendBox).position === "absolute";
    var room = over ? legendBox.offsetWidth + 16 : 0;
    map.fitBounds(d.bounds, { paddingTopLeft: [8, 8], paddingBottomRight: [room + 8, 8] });
    declutter(map, labels);
    map.on("zoomend moveend", function () { declutter(map, labels); });
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    map.getContainer().setAttribute("aria-label", d.words.interactive_map.replace("{description}", d.description));
    map.getContainer().setAttribute("role", "region");
    gestures(map, hint, d.words);
    document.documentElement.classList.add("fl-live");
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details").forEach(function (x) { x.open = true; });
    });
    tellParent(d.key, mapbox);
    return map;
  }

  function payload(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  return { el: el, safeHref: safeHref, tip: tip, declutter: declutter, draw: draw, payload: payload,
    unpack: unpack, naturalHeight: naturalHeight };
})();
