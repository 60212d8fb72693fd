"""Rendering: plain data in, safe, small, deterministic web pages and images out. Never opens the store.

Importing this package imports nothing heavy; folium is imported by :mod:`geo.render.mapping` only.

Modules (the pieces marked *reusable* are meant for the timeline page and the hostile-text tests too):

``safe``       *reusable*: the three doors for text from data into a page: :func:`~geo.render.safe.script_json`
               (escaped JSON blob, read by our script and written with ``textContent``),
               :func:`~geo.render.safe.html_text`, :func:`~geo.render.safe.safe_url` (http(s) only), and
               :func:`~geo.render.safe.clean_text`.
``assets``     *reusable*: the pinned Leaflet JS/CSS (``assets.json``): SRI hashes, the local cache
               (``$FRONTLINE_ASSETS`` or ``./.assets/cache``), ``fetch`` from the CDN or an npm install,
               and :func:`~geo.render.assets.head_html` for ``cdn`` or ``inline`` pages.
``geometry``   *reusable*: quantising to 1e-5° with ``shapely.set_precision``, compact GeoJSON, context
               simplified for the zoom shown, the one (lon, lat) → Leaflet (lat, lon) swap.
``payload``    the data one map draws (:func:`~geo.render.payload.map_payload`) and its words: caption, legend,
               alt text, number and date formats.
``mapping``    :func:`~geo.render.mapping.build_map` → a ``folium.Map`` (notebooks), ``save_map``,
               ``render_html``; :class:`~geo.render.mapping.Raw` inserts text that no template ever compiles.
``embed``      the iframe snippet, and the PNG (Chromium screenshot, or matplotlib).
``frontline.js``/``frontline.css``  *reusable*: the page's own script (``frontline.el``, ``safeHref``, ``tip``,
               ``legend``, ``credits``, ``declutter``, ``draw``, ``payload``) and style.
"""
