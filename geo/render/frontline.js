/* frontline: draw a map payload (geo/render/payload.py) with Leaflet.
   Every text from data is written with textContent, never innerHTML; a link is made only for http(s). */
var frontline = (function () {
  "use strict";

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

  function legend(map, items) {
    var ctl = L.control({ position: "topright" });
    ctl.onAdd = function () {
      var box = el("div", "fl-legend");
      items.forEach(function (it) {
        var row = el("div", "fl-li fl-li-" + it.kind);
        var sw = el("span", "fl-sw fl-sw-" + it.kind);
        sw.style.borderColor = it.colour;
        if (it.kind === "area" || it.kind === "gained" || it.kind === "lost" || it.kind === "place") {
          sw.style.backgroundColor = it.colour;
        }
        row.appendChild(sw);
        row.appendChild(el("span", "fl-t", it.label));
        if (it.value) row.appendChild(el("span", "fl-v", it.value));
        row.title = it.label + (it.value ? ": " + it.value : "");
        box.appendChild(row);
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return ctl.addTo(map);
  }

  function credits(target, items) {
    items.forEach(function (a, i) {
      if (i) target.appendChild(document.createTextNode(" · "));
      var span = el("span", "fl-credit");
      if (a.label) span.appendChild(el("span", "fl-t", a.label));
      var href = safeHref(a.href);
      if (href) {
        var link = el("a", "fl-t", a.text);
        link.href = href;
        link.rel = "noopener noreferrer";
        link.target = "_blank";
        span.appendChild(link);
      } else {
        span.appendChild(el("span", "fl-t", a.text));
      }
      target.appendChild(span);
    });
  }

  // Hide the place labels that would overlap a label drawn before them (the places' order is their priority).
  function declutter(labels) {
    var kept = [];
    labels.forEach(function (t) {
      var node = t.getElement();
      if (!node) return;
      node.style.visibility = "";
      var r = node.getBoundingClientRect();
      var clash = kept.some(function (k) {
        return r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top;
      });
      if (clash) node.style.visibility = "hidden"; else kept.push(r);
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

  function draw(map, d) {
    var head = document.getElementById("fl-head-" + d.key);
    var foot = document.getElementById("fl-foot-" + d.key);
    var c = d.colours, ctx = d.context || {};
    document.title = d.title + " · " + d.dateText;
    if (head) {
      head.appendChild(el("h1", "fl-title", d.title));
      head.appendChild(el("span", "fl-date", d.since ? d.since + " → " + d.dateText : d.dateText));
    }
    if (foot) {
      foot.appendChild(el("p", "fl-caption", d.caption));
      var attr = el("p", "fl-attr");
      credits(attr, d.attribution);
      foot.appendChild(attr);
    }
    map.invalidateSize(false);  // the header and footer took their room: size the map before fitting
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
      geo(f.g, { pane: line ? "fl-lines" : "overlayPane", className: "fl-s-" + f.s + (line ? " fl-line" : " fl-area"),
        style: style }, f.t).addTo(map);
    });
    d.changes.forEach(function (f) {
      var gained = f.k === "gained";
      var col = gained ? c.gained : c.lost;
      geo(f.g, { pane: "fl-changes", className: "fl-change fl-" + f.k,
        style: gained
          ? { color: col, weight: 1.5, opacity: 1, fillColor: col, fillOpacity: 0.55 }
          : { color: col, weight: 2, opacity: 1, dashArray: "5 4", fillColor: col, fillOpacity: 0.3 } }, f.t).addTo(map);
    });
    var labels = [];
    (ctx.places || []).forEach(function (p) {
      var dot = L.circleMarker(p.ll, { pane: "fl-places", radius: 3, color: "#ffffff", weight: 1,
        fillColor: c.place, fillOpacity: 1, className: "fl-place-dot", interactive: false })
        .bindTooltip(el("span", "fl-t", p.n), { permanent: true, direction: "right", offset: [4, 0],
          className: "fl-place", interactive: false })
        .addTo(map);
      labels.push(dot.getTooltip());
    });
    // Keep the drawing clear of the legend where the map is wide enough to spare its width.
    var box = legend(map, d.legend).getContainer();
    var room = map.getSize().x > 2.2 * box.offsetWidth ? box.offsetWidth + 12 : 0;
    map.fitBounds(d.bounds, { paddingBottomRight: [room, 0] });
    declutter(labels);
    map.on("zoomend", function () { declutter(labels); });
    L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);
    map.getContainer().setAttribute("aria-label", d.title + ", " + d.dateText + ". " + d.caption);
    map.getContainer().setAttribute("role", "region");
    if (!document.documentElement.lang) document.documentElement.lang = "en";  // our words are English
    return map;
  }

  function payload(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }

  return { el: el, safeHref: safeHref, tip: tip, legend: legend, credits: credits, declutter: declutter,
    draw: draw, payload: payload, unpack: unpack };
})();
