"""Property-based hostile input: valid layers mutated (coordinates, nesting, types, statuses, encodings, sizes,
suffixes) and imported through the CLI in-process, with a runner that re-raises anything but an exit.

Property: every case ends either in exit 0 with a layer that verifies, re-validates unchanged and can be
measured, or in exit 2 with one line on stderr and the store byte for byte as it was. Nothing else: no
traceback, no other exit code, no half-changed store.

Cases that would only hit an open bug (see ``open_bugs.py``) are set aside with ``assume`` and counted, so CI
stays green while the bug is open and the generator needs no change when it is fixed.
"""

from __future__ import annotations

import copy
import json
import math
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from .conftest import FULL, add_figure, count
from .helpers import (
    UnexpectedException,
    init_args,
    layer,
    region_file,
    run_cli,
    shared_data,
    snapshot,
    snapshot_diff,
    write_json,
)
from .open_bugs import is_open

SETTINGS = settings(max_examples=count("hypothesis_examples"), deadline=None, derandomize=not FULL,
                    database=None, suppress_health_check=list(HealthCheck), print_blob=True)

GEOJSON_TYPES = ["FeatureCollection", "Feature", "Polygon", "MultiPolygon", "LineString", "MultiLineString",
                 "Point", "MultiPoint", "GeometryCollection", "polygon", "", None]
STATUSES = ["ua_controlled", "grey_zone", "contact_line", "liberated", "UA_CONTROLLED", "ua_controlled ", ""]

_TEMPLATE: dict = {}
#: Crashes of open bugs on the GDAL path, recognised by their message (see open_bugs.py).
CRASH_SIGNATURES = {"B13": "closed linestring", "B14": "can only convert an array of size 1"}


def template_store() -> Path:
    """A store with history, made once per process; each example works on a copy."""
    if "root" not in _TEMPLATE:
        base = Path(tempfile.mkdtemp(prefix="frontline-hyp-"))
        root = base / "layers"
        assert run_cli(init_args(root, region_file(base / "region.geojson"))).exit_code == 0
        for i, d in enumerate(("2024-08-09", "2024-08-10", "2024-08-09")):
            f = write_json(base / "in" / str(i) / f"{d}.geojson", layer(500 + i))
            assert run_cli(["--layers", str(root), "import", "kursk", str(f)]).exit_code == 0
        _TEMPLATE["root"] = root
    return _TEMPLATE["root"]


def base_layers() -> list[dict]:
    out = [layer(1), layer(2, n=5, features=1), layer(3, n=40, features=4),
           {"type": "FeatureCollection", "features": []}]
    out.append({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"status": "grey_zone"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[35.0, 51.2], [35.1, 51.2], [35.1, 51.3], [35.0, 51.2]]],
             [[[35.3, 51.2], [35.4, 51.2], [35.4, 51.3], [35.3, 51.2]],
              [[35.33, 51.22], [35.36, 51.22], [35.36, 51.25], [35.33, 51.22]]]]}}]})
    real = shared_data()
    if real is not None:  # one real DeepState daily layer, read in place (never copied into the repo)
        out.append(json.loads((real / "deepstate" / "daily" / "2024-08-20.geojson").read_text(encoding="utf-8")))
    return out


BASES = base_layers()

# ---- strategies ---------------------------------------------------------------------------------------------
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -0.0, 1e308, -1e308, 5e-324]),
    st.text(max_size=30), st.sampled_from(["\u202e", "\u2028", "<script>", "\x00", "NaN", "Infinity", "1e400"]),
)
json_values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                           st.dictionaries(st.text(max_size=8), kids, max_size=4)),
                           max_leaves=12)
coordinate_values = st.one_of(
    st.floats(-1000, 1000, allow_nan=False), st.sampled_from([180.0, -180.0, 90.0, -90.0, 180.000001, 90.5,
                                                               -0.0, 1e308, 51.3, 35.1]),
    st.integers(-400, 400), st.text(max_size=5), st.booleans(), st.none(), st.lists(st.floats(30, 60), max_size=4))


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def _set(obj, path, value):
    if not path:
        return value
    _get(obj, path[:-1])[path[-1]] = value
    return obj


def _mutate(data, doc):
    """Apply one mutation drawn from ``data`` to ``doc`` (a copy); return (doc, name)."""
    paths = list(_paths(doc))
    kind = data.draw(st.sampled_from(["replace", "delete", "wrap", "unwrap", "coordinate", "type", "duplicate",
                                      "status", "swap", "property", "scale"]), label="mutation")
    if kind == "replace":
        path = data.draw(st.sampled_from(paths))
        return _set(doc, path, data.draw(json_values)), kind
    if kind == "delete":
        path = data.draw(st.sampled_from(paths))
        if path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        return doc, kind
    if kind == "wrap":
        path = data.draw(st.sampled_from(paths))
        return _set(doc, path, [_get(doc, path)]), kind
    if kind == "unwrap":
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        if lists:
            path = data.draw(st.sampled_from(lists))
            return _set(doc, path, _get(doc, path)[0]), kind
        return doc, kind
    if kind == "coordinate":
        nums = [p for p in paths if "coordinates" in p and isinstance(_get(doc, p), (int, float))]
        if nums:
            path = data.draw(st.sampled_from(nums))
            return _set(doc, path, data.draw(coordinate_values)), kind
        return doc, kind
    if kind == "type":
        types = [p for p in paths if p and p[-1] == "type"]
        if types:
            path = data.draw(st.sampled_from(types))
            return _set(doc, path, data.draw(st.sampled_from(GEOJSON_TYPES))), kind
        return doc, kind
    if kind == "duplicate":  # sizes: repeat a list element up to 200 times
        lists = [p for p in paths if isinstance(_get(doc, p), list) and _get(doc, p)]
        if lists:
            path = data.draw(st.sampled_from(lists))
            lst = _get(doc, path)
            i = data.draw(st.integers(0, len(lst) - 1))
            k = data.draw(st.integers(1, 200))
            lst[i:i + 1] = [copy.deepcopy(lst[i]) for _ in range(k + 1)]
        return doc, kind
    if kind == "status":
        props = [p for p in paths if p and p[-1] == "properties" and isinstance(_get(doc, p), dict)]
        if props:
            path = data.draw(st.sampled_from(props))
            _get(doc, path)["status"] = data.draw(st.one_of(st.sampled_from(STATUSES), json_values))
        return doc, kind
    if kind == "swap":  # lat/lon swapped in one geometry
        geoms = [p for p in paths if p and p[-1] == "coordinates"]
        if geoms:
            path = data.draw(st.sampled_from(geoms))

            def sw(c):
                if isinstance(c, list) and len(c) >= 2 and all(isinstance(v, (int, float)) for v in c[:2]):
                    return [c[1], c[0], *c[2:]]
                return [sw(x) for x in c] if isinstance(c, list) else c
            _set(doc, path, sw(_get(doc, path)))
        return doc, kind
    if kind == "property":
        props = [p for p in paths if p and p[-1] == "properties" and isinstance(_get(doc, p), dict)]
        if props:
            path = data.draw(st.sampled_from(props))
            _get(doc, path)[data.draw(st.text(max_size=10))] = data.draw(json_values)
        return doc, kind
    # scale: shift or scale all coordinates (misplaced, projected, tiny)
    factor = data.draw(st.sampled_from([0.0, 1e-9, -1.0, 2.0, 111319.49, 1.0000001]))
    shift = data.draw(st.sampled_from([0.0, 180.0, -35.0, 0.5]))

    def tr(c):
        if isinstance(c, list):
            return [tr(x) for x in c]
        return c * factor + shift if isinstance(c, (int, float)) and not isinstance(c, bool) else c
    for p in [p for p in paths if p and p[-1] == "coordinates"]:
        _set(doc, p, tr(_get(doc, p)))
    return doc, kind


def _serialise(data, doc) -> tuple[bytes, str]:
    """Turn ``doc`` into bytes: an encoding, a layout, and maybe a byte-level corruption."""
    text = json.dumps(doc, ensure_ascii=data.draw(st.booleans()), indent=data.draw(st.sampled_from([None, 1])),
                      allow_nan=True)
    enc = data.draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-16-be", "utf-32", "cp1251"]))
    raw = text.encode(enc, errors="replace")
    how = data.draw(st.sampled_from(["none"] * 6 + ["truncate", "insert", "token", "surrogate", "drop"]))
    if how == "truncate":
        raw = raw[: data.draw(st.integers(0, max(0, len(raw) - 1)))]
    elif how == "insert":
        i = data.draw(st.integers(0, len(raw)))
        raw = raw[:i] + data.draw(st.binary(min_size=1, max_size=3)) + raw[i:]
    elif how == "drop" and raw:
        i = data.draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + raw[i + 1:]
    elif how == "token":
        tok = data.draw(st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999", b"1" + b"0" * 5000,
                                         b"true", b"null", b'"x"']))
        raw = raw.replace(b"51.", tok + b", 51.", 1) if data.draw(st.booleans()) else raw.replace(b"35.", tok, 1)
    elif how == "surrogate":
        raw = raw.replace(b'"status"', b'"n": "\\udc80x", "status"', 1)
    return raw, f"{enc}/{how}"


def _open_rings(v) -> bool:
    """Whether a Polygon or MultiPolygon anywhere in ``v`` has a ring whose last position is not its first."""
    def rings(c, depth):
        if depth == 0:
            yield c
        elif isinstance(c, list):
            for x in c:
                yield from rings(x, depth - 1)

    if isinstance(v, dict):
        depth = {"Polygon": 1, "MultiPolygon": 2}.get(v.get("type") if isinstance(v.get("type"), str) else "")
        if depth and isinstance(v.get("coordinates"), list):
            for r in rings(v["coordinates"], depth):
                if isinstance(r, list) and r and r[0] != r[-1]:
                    return True
        return any(_open_rings(x) for x in v.values())
    if isinstance(v, list):
        return any(_open_rings(x) for x in v)
    return False


def _would_hit_open_bug(raw: bytes, suffix: str = ".geojson") -> str | None:
    """The open bug this input would only show again, if any (parsed as the importer parses)."""
    if suffix not in (".geojson", ".json") and is_open("B13"):
        try:  # GDAL reads NaN and Infinity where our reader refuses them
            if _open_rings(json.loads(raw.decode("utf-8-sig"))):
                return "B13"
        except (ValueError, RecursionError):
            pass
    try:
        doc = json.loads(raw.decode("utf-8-sig"), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (ValueError, RecursionError):
        return None

    def walk(v, in_coords=False):
        if isinstance(v, float) and not math.isfinite(v) and not in_coords:
            yield "B1"
        elif isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
            yield "B2"
        elif isinstance(v, dict):
            for k, x in v.items():
                if any(0xD800 <= ord(c) <= 0xDFFF for c in k):
                    yield "B2"
                yield from walk(x, in_coords or k == "coordinates")
        elif isinstance(v, list):
            for x in v:
                yield from walk(x, in_coords)

    found = set(walk(doc))
    if isinstance(doc, dict) and isinstance(doc.get("features"), list):
        for f in doc["features"]:
            if isinstance(f, dict) and isinstance(f.get("properties"), dict):
                s = f["properties"].get("status")
                if isinstance(s, (list, dict)):
                    found.add("B3")
    for b in sorted(found):
        if is_open(b):
            return b
    return None


def _check_case(raw: bytes, suffix: str, label: str) -> str:
    bug = _would_hit_open_bug(raw, suffix)
    if bug:
        add_figure("hostile_properties", set_aside_for_open_bugs={bug: 1})
    assume(bug is None)
    tmp = Path(tempfile.mkdtemp(prefix="frontline-case-"))
    try:
        root = tmp / "layers"
        shutil.copytree(template_store(), root, symlinks=True)
        f = tmp / f"2024-08-10{suffix}"
        f.write_bytes(raw)
        before = snapshot(root)
        try:
            res = run_cli(["--layers", str(root), "import", "kursk", str(f)])
        except UnexpectedException as exc:
            # GDAL reads much that our JSON reader refuses (a dropped byte, NaN), so what reaches the GDAL path
            # cannot all be foreseen from the text: open bugs there are recognised by their crash's message
            for bug, signature in CRASH_SIGNATURES.items():
                if is_open(bug) and signature in str(exc):
                    add_figure("hostile_properties", set_aside_for_open_bugs={bug: 1})
                    assume(False)
            raise
        if res.exit_code == 0:
            assert "Traceback" not in res.stderr
            ver = run_cli(["--layers", str(root), "verify", "kursk"])
            assert ver.exit_code == 0, (label, ver)
            from geo.store import Store
            from geo.validate import validate_layer

            s = Store(root)
            stored = s.read("kursk", "2024-08-10").collection
            again = validate_layer(stored, s.theatre("kursk")).collection
            assert json.dumps(again, sort_keys=True) == json.dumps(stored, sort_keys=True), \
                f"{label}: the stored layer does not re-validate unchanged"
            area = run_cli(["--layers", str(root), "area", "kursk", "2024-08-10", "--json"],
                           env={"FRONTLINE_NO_CACHE": "1"})
            assert area.exit_code == 0, (label, area)
            totals = json.loads(area.stdout)["dates"][0]
            assert totals["total_km2"] >= 0 and math.isfinite(totals["total_km2"])
            outcome = "accepted"
        else:
            assert res.exit_code == 2, (label, res)
            lines = [x for x in res.stderr.splitlines() if x.strip()]
            assert len(lines) == 1 and "Traceback" not in res.stderr, (label, res)
            assert snapshot_diff(before, snapshot(root)) == [], f"{label}: a refused import changed the store"
            outcome = "refused"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    add_figure("hostile_properties", tried=1, **{outcome: 1})
    return outcome


@pytest.mark.slow
@SETTINGS
@given(data=st.data())
def test_mutated_layers_end_in_a_valid_layer_or_one_line(data):
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES), label="base"))
    names = []
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        doc, name = _mutate(data, doc)
        names.append(name)
    raw, how = _serialise(data, doc)
    _check_case(raw, ".geojson", f"{'+'.join(names)} {how}")


@pytest.mark.slow
@settings(SETTINGS, max_examples=max(10, count("hypothesis_examples") // 4))
@given(data=st.data())
def test_mutated_layers_under_other_suffixes_go_through_ogr(data):
    """The same mutations saved as .gpkg/.kml/.fgb/.shp/.json: GDAL sniffs the content, ours reads JSON."""
    doc = copy.deepcopy(data.draw(st.sampled_from(BASES[:5]), label="base"))
    doc, name = _mutate(data, doc)
    raw, how = _serialise(data, doc)
    suffix = data.draw(st.sampled_from([".gpkg", ".kml", ".fgb", ".shp", ".json", ".gml", ".zip"]))
    _check_case(raw, suffix, f"{name} {how} {suffix}")


@pytest.mark.slow
@settings(SETTINGS, max_examples=max(10, count("hypothesis_examples") // 4))
@given(raw=st.binary(max_size=400))
def test_random_bytes(raw):
    _check_case(raw, ".geojson", "random bytes")
