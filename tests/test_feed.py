"""feed: JSON Feed 1.1 and RSS 2.0 with GeoRSS, read back by peer parsers and checked item by item against diff."""

import html
import json
import re

import pytest
import shapely
from common import layer, square, write

from geo.store import Store

feedparser = pytest.importorskip("feedparser")  # RSS: the universal feed parser
feedparser_rs = pytest.importorskip("feedparser_rs")  # JSON Feed 1.1 (feedparser 6 reads no JSON)

HOSTILE = 'note <script>alert("x")</script> & \x1b[2J \u202e'


def numbers(title):
    """gained, lost, net from an item's title (three decimals)."""
    m = re.search(r"\+([\d,.]+) km² gained, -([\d,.]+) km² lost, net ([+-][\d,.]+) km² since (\S+)", title)
    return tuple(float(m.group(i).replace(",", "")) for i in (1, 2, 3)) + (m.group(4),)


def check_feed(run_cli, root, theatre, tmp_path, base=None):
    """Write both feeds, parse them with the peer parsers, and check every item against `diff`."""
    extra = ["--base-url", base] if base else []
    for name in ("feed.json", "feed.xml"):
        r = run_cli("--layers", root, "feed", theatre, "-o", tmp_path / name, *extra)
        assert r.exit_code == 0, r.stderr
    jf = feedparser_rs.parse((tmp_path / "feed.json").read_bytes())
    rss = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert jf.version == "json11" and not jf.bozo
    assert rss.version == "rss20" and not rss.bozo
    log = Store(root).log(theatre)
    assert len(jf.entries) == len(rss.entries) == len(log)
    newest_first = sorted(log, key=lambda e: e.seq, reverse=True)
    for e, j, x in zip(newest_first, jf.entries, rss.entries, strict=True):
        fl = j.json_extensions["_frontline"]
        assert (fl["date"], fl["version"], fl["sha256"]) == (e.date, e.version, e.sha256)
        assert j.id == x.id and j.title.split(":")[0] == x.title.split(":")[0] == f"{e.date} (v{e.version})"
        assert fl["source"] == e.source and fl["note"] == e.note
        prev = fl["previous_date"]
        if prev is None:
            assert fl["gained_km2"] is None and "first layer" in x.title
        else:
            d = run_cli("--layers", root, "diff", theatre, prev, e.date, "--as-of", e.recorded_at, "--json").json()
            u = d["changes"]["union"]
            assert d["version_b"] == e.version and d["sha256_b"] == e.sha256
            assert [fl["gained_km2"], fl["lost_km2"], fl["net_km2"]] == pytest.approx(  # to the last bits
                [u["gained_km2"], u["lost_km2"], u["net_km2"]], rel=1e-12, abs=1e-12)
            g, lost, net, since = numbers(x.title)
            assert since == prev
            assert (g, lost, net) == tuple(round(v, 3) for v in (u["gained_km2"], u["lost_km2"], u["net_km2"]))
        a = run_cli("--layers", root, "area", theatre, e.date, "--as-of", e.recorded_at, "--json").json()
        assert fl["total_km2"] == pytest.approx(a["dates"][0]["total_km2"], rel=1e-12)
        if fl["bbox"]:
            w, s, east, n = fl["bbox"]
            assert x.where["type"] == "Box"
            (x0, y0), (x1, y1) = x.where["coordinates"]
            assert [x0, y0, x1, y1] == pytest.approx([w, s, east, n], abs=1e-6)
        if base:
            assert j.link == x.link == f"{base}/maps/{theatre}-{e.date}.html"
            if prev is not None:
                url = f"{base}/changes/{theatre}-{e.date}-v{e.version}.geojson"
                assert j.enclosures[0].href == x.enclosures[0]["href"] == url
                changes = json.loads((tmp_path / "changes" / url.rsplit("/", 1)[1]).read_text())
                union = [f for f in changes["features"] if f["properties"]["status"] == "union"]
                for kind in ("gained", "lost"):
                    assert sum(f["properties"]["area_km2"] for f in union if f["properties"]["kind"] == kind) == \
                        pytest.approx(fl[f"{kind}_km2"], abs=1e-5)
                if union:  # the box is the change's
                    b = shapely.total_bounds([shapely.from_geojson(json.dumps(f["geometry"])) for f in union])
                    assert fl["bbox"] == pytest.approx(list(b), abs=2e-6)
        else:
            assert not x.get("link") and not j.enclosures
    return jf, rss


def test_feed_items_match_diff_with_revisions_and_hostile_text(demo, tmp_path, run_cli):
    steps = [("2024-08-20", layer(square(35.0, 51.0)), "first"),
             ("2024-08-24", layer(square(35.0, 51.0, 0.15)), "grew"),
             ("2024-08-22", layer(square(35.0, 51.0, 0.12)), "filled in later"),  # a date between, recorded after
             ("2024-08-24", layer(square(35.0, 51.0, 0.14), square(35.2, 51.0, status="contested")), HOSTILE)]
    for i, (date, lay, note) in enumerate(steps):
        (tmp_path / f"in{i}").mkdir()
        f = write(tmp_path / f"in{i}" / f"{date}.geojson", lay)
        r = run_cli("--layers", demo, "import", "demo", f, "--note", note, "--source", "https://example.org/<a>")
        assert r.exit_code == 0, r.stderr
    jf, rss = check_feed(run_cli, demo, "demo", tmp_path, base="https://desk.example/demo")
    # the revision of 2024-08-24 is diffed against 2024-08-22, which was recorded before it
    assert jf.entries[0].json_extensions["_frontline"]["previous_date"] == "2024-08-22"
    assert jf.entries[2].json_extensions["_frontline"]["previous_date"] == "2024-08-20"  # the first 08-24
    text = (tmp_path / "feed.xml").read_text()
    assert "<script>" not in text and "&amp;lt;script&amp;gt;" in text and "\x1b" not in text
    # a reader takes the description as HTML: the note must come out as text, the script as its characters
    assert html.escape(HOSTILE.replace("\x1b", "\ufffd"), quote=False) in rss.entries[0].summary
    assert HOSTILE in json.loads((tmp_path / "feed.json").read_text())["items"][0]["content_text"]
    (tmp_path / "plain").mkdir()
    check_feed(run_cli, demo, "demo", tmp_path / "plain")  # without --base-url: no links


def test_feed_errors(demo, tmp_path, run_cli):
    r = run_cli("--layers", demo, "feed", "demo", "-o", tmp_path / "feed.json")
    assert r.exit_code == 1 and "no recorded versions" in r.stderr
    write(tmp_path / "2024-08-20.geojson", layer(square(35.0, 51.0)))
    run_cli("--layers", demo, "import", "demo", tmp_path / "2024-08-20.geojson")
    for args, text in ((("-o", tmp_path / "feed.html"), "name a .json"),
                       (("-o", tmp_path / "feed.xml", "--base-url", "javascript:alert(1)"), "http:// or https://")):
        r = run_cli("--layers", demo, "feed", "demo", *args)
        assert r.exit_code == 2 and text in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "feed.xml").exists()


def test_real_feed(real_store, tmp_path, run_cli):
    jf, rss = check_feed(run_cli, real_store, "kursk", tmp_path, base="https://desk.example/kursk")
    assert len(rss.entries) == 258
    print("\n" + (tmp_path / "feed.xml").read_text().split("<item>")[3].split("</item>")[0])
