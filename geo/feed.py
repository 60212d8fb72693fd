"""Pure: a change feed of a theatre's recorded versions, as JSON Feed 1.1 and as RSS 2.0 with GeoRSS boxes.

Each item is one recorded version (newest first): its date and version, the ground gained, lost and net against
the previous date as the store stood when the version was recorded (what ``frontline diff PREV DATE --as-of
RECORDED_AT`` answers), the source and the note, and, given a base URL, links to the change's GeoJSON and to
the date's map. The items are plain dicts made by :func:`geo.measure.compute_feed`; this module only writes
them out.

Text from data (titles, sources, notes) reaches the XML only through :mod:`xml.etree.ElementTree`, which escapes
it; characters that XML 1.0 cannot carry at all (C0 controls, lone surrogates) are replaced by U+FFFD first. An
RSS ``description`` is HTML to the readers, so it is HTML-escaped before that (:func:`item_html`): a note that
says ``<script>`` reads as those characters. Links are http(s) only.
"""

from __future__ import annotations

import datetime as dt
import re

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
GEORSS = "http://www.georss.org/georss"
#: Characters XML 1.0 forbids even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text) -> str:
    r"""``text`` with the characters XML 1.0 cannot hold replaced by U+FFFD (escaping is ElementTree's job).

    Examples
    --------
    >>> xml_text("Sudzha\x1b[2J <b>")
    'Sudzha\ufffd[2J <b>'
    """
    return _NOT_XML.sub("\ufffd", str(text))


def check_base_url(url: str) -> str:
    """``url`` without its trailing slash, if it is an http(s) URL; else raise InvalidInput (exit 2).

    Examples
    --------
    >>> check_base_url("https://desk.example/kursk/")
    'https://desk.example/kursk'
    """
    from .errors import InvalidInput

    if not re.fullmatch(r"https?://[^\s<>\"'\x00-\x1f]+", url or ""):
        raise InvalidInput(f"--base-url {url!r}: give an http:// or https:// URL")
    return url.rstrip("/")


def item_title(item: dict) -> str:
    """One line: the date, the version and the figures (or that it is the first layer).

    Examples
    --------
    >>> item_title({"date": "2024-08-24", "version": 2, "previous_date": "2024-08-20", "gained_km2": 12.3456,
    ...             "lost_km2": 0.5, "net_km2": 11.8456, "total_km2": 100.0})
    '2024-08-24 (v2): +12.346 km² gained, -0.500 km² lost, net +11.846 km² since 2024-08-20'
    >>> item_title({"date": "2024-08-06", "version": 1, "previous_date": None, "total_km2": 0.0})
    '2024-08-06 (v1): first layer, 0.000 km²'
    """
    head = f"{item['date']} (v{item['version']})"
    if item.get("previous_date") is None:
        return f"{head}: first layer, {item['total_km2']:,.3f} km²"
    return (f"{head}: +{item['gained_km2']:,.3f} km² gained, -{item['lost_km2']:,.3f} km² lost, "
            f"net {item['net_km2']:+,.3f} km² since {item['previous_date']}")


def item_text(item: dict) -> str:
    """The item's body as plain text: the title, the total, the source and the note."""
    lines = [item_title(item), f"Total: {item['total_km2']:,.3f} km² (recorded {item['recorded_at']})"]
    if item.get("source"):
        lines.append(f"Source: {item['source']}")
    if item.get("note"):
        lines.append(f"Note: {item['note']}")
    return "\n".join(lines)


def item_html(item: dict) -> str:
    """The item's body for RSS, whose ``description`` readers take as HTML: :func:`item_text` with each line
    HTML-escaped (a note saying ``<script>`` shows as text, never runs) and lines joined by ``<br>``.

    Examples
    --------
    >>> item_html({"date": "2024-08-06", "version": 1, "previous_date": None, "total_km2": 0.0,
    ...            "recorded_at": "2024-08-06T20:00:00Z", "note": "<b>&</b>"}).split("<br>")[-1]
    'Note: &lt;b&gt;&amp;&lt;/b&gt;'
    """
    import html

    return "<br>".join(html.escape(line, quote=False) for line in item_text(item).split("\n"))


def _rfc3339(stamp: str) -> str:
    return stamp.replace(".000000Z", "Z")


def json_feed(title: str, items: list[dict], *, base_url: str | None = None, feed_url: str | None = None) -> dict:
    """A JSON Feed 1.1 document: one item per recorded version, the figures under ``_frontline``.

    Examples
    --------
    >>> doc = json_feed("Kursk", [])
    >>> doc["version"], doc["items"]
    ('https://jsonfeed.org/version/1.1', [])
    """
    doc = {"version": JSON_FEED_VERSION, "title": f"{title}: changes",
           "description": "Every recorded version of the front line, with the ground gained and lost.",
           "items": []}
    if base_url:
        doc["home_page_url"] = base_url + "/"
    if feed_url:
        doc["feed_url"] = feed_url
    for it in items:
        entry = {"id": it["id"], "title": item_title(it), "content_text": item_text(it),
                 "date_published": _rfc3339(it["recorded_at"]),
                 "_frontline": {k: it[k] for k in ("theatre", "date", "version", "sha256", "previous_date",
                                                   "gained_km2", "lost_km2", "net_km2", "total_km2", "source",
                                                   "note", "bbox")}}
        if it.get("map_url"):
            entry["url"] = it["map_url"]
        if it.get("change_url"):
            entry["attachments"] = [{"url": it["change_url"], "mime_type": "application/geo+json",
                                     "title": f"ground gained and lost, {it['previous_date']} to {it['date']}"}]
        doc["items"].append(entry)
    return doc


def rss_feed(title: str, items: list[dict], *, base_url: str | None = None) -> bytes:
    r"""An RSS 2.0 document with a ``georss:box`` per item (south west north east), as UTF-8 bytes.

    Examples
    --------
    >>> rss_feed("K <&>", []).decode().count("K &lt;&amp;&gt;: changes")
    1
    """
    import email.utils
    import xml.etree.ElementTree as ET

    ET.register_namespace("georss", GEORSS)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = ET.SubElement(rss, "channel")
    ET.SubElement(ch, "title").text = xml_text(f"{title}: changes")
    if base_url:
        ET.SubElement(ch, "link").text = base_url + "/"
    ET.SubElement(ch, "description").text = "Every recorded version of the front line, with the ground gained " \
                                           "and lost."
    for it in items:
        el = ET.SubElement(ch, "item")
        ET.SubElement(el, "title").text = xml_text(item_title(it))
        if it.get("map_url"):
            ET.SubElement(el, "link").text = it["map_url"]
        ET.SubElement(el, "description").text = xml_text(item_html(it))
        ET.SubElement(el, "guid", {"isPermaLink": "false"}).text = it["id"]
        when = dt.datetime.fromisoformat(it["recorded_at"].replace("Z", "+00:00"))
        ET.SubElement(el, "pubDate").text = email.utils.format_datetime(when, usegmt=True)
        if it.get("change_url"):
            ET.SubElement(el, "enclosure", {"url": it["change_url"], "type": "application/geo+json",
                                            "length": str(it.get("change_bytes") or 0)})
        if it.get("bbox"):
            w, s, e, n = it["bbox"]
            ET.SubElement(el, f"{{{GEORSS}}}box").text = f"{s:.6f} {w:.6f} {n:.6f} {e:.6f}"
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"
