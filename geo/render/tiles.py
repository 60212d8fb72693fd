"""Basemap tiles named through xyzservices, for the map and the timeline (no folium here: the timeline page, which
does not use folium, names its tiles through this module too).
"""

from __future__ import annotations

from ..errors import InvalidInput


def tile_provider(name: str | None):
    """The xyzservices provider named ``name`` (``"CartoDB.Positron"``), or None for ``None``/``"none"``.

    Raises
    ------
    InvalidInput
        An unknown name (with close matches), or a provider that needs an API key.
    """
    if name is None or str(name).lower() in ("", "none"):
        return None
    import xyzservices

    providers = xyzservices.providers
    try:
        p = providers.query_name(name)
    except ValueError:
        import difflib

        names = sorted(providers.flatten())
        close = difflib.get_close_matches(name, names, n=4, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise InvalidInput(f"unknown tiles {name!r}{hint}: give an xyzservices name such as CartoDB.Positron, "
                           "or none") from None
    if p.requires_token():
        p = _drop_optional_key(p)
    if p is None or p.requires_token():
        raise InvalidInput(f"tiles {name!r} need an API key; choose a provider without one, or none")
    return p


def _drop_optional_key(p):
    """A copy of provider ``p`` without an API key that only sits in an optional ``key=`` query parameter.

    xyzservices lists CARTO's basemaps with ``?key={apikey}``; CARTO serves them without a key, so the
    parameter is dropped. A key anywhere else in the URL is required: None is returned.
    """
    import re

    import xyzservices

    fields = [k for k, v in p.items() if isinstance(v, str) and v.lower().startswith("<insert your")]
    url = p["url"]
    for f in fields:
        url, n = re.subn(r"[?&]key=\{" + re.escape(f) + r"\}", "", url)
        if n == 0:
            return None
    q = xyzservices.TileProvider({k: v for k, v in p.items() if k not in fields and k != "url"}, url=url)
    return q
