"""What-if: how much of the cold area and changes time is spent on layers whose geometry another date repeats.

    .venv/bin/python -m bench.whatif [SHARED_DATA_DIR]

The real daily layers carry their date in every feature's properties, so two dates with the same ground have
different bytes and different sha256: the store's de-duplication and the result caches (keyed by sha256) never
see that 168 of the 258 layers repeat an earlier one. This measures, with the core functions unchanged
(``geo.area.series_areas``, ``geo.diff.diff_layers``), the time as today and the time when each distinct
geometry is computed once (a digest of the statuses and geometries only, properties ignored), and checks that
the figures are the same. It is evidence for a proposed change to ``geo.measure``; it changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from .run import build_store


def geometry_digest(collection: dict) -> str:
    """sha256 of a layer's (status, geometry) pairs, sorted: equal for layers that show the same ground."""
    items = sorted((str(f.get("properties", {}).get("status")), json.dumps(f.get("geometry"), sort_keys=True))
                   for f in collection.get("features", []))
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def main(argv: list[str]) -> None:
    from geo.area import series_areas
    from geo.diff import diff_layers
    from geo.measure import load_settlements
    from geo.store import Store

    os.environ["FRONTLINE_NO_CACHE"] = "1"
    shared = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "shared" / "data" / "kursk"
    files = sorted(str(p) for p in (shared / "deepstate" / "daily").glob("*.geojson"))
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(build_store(Path(tmp) / "layers", shared, files))
        t = store.theatre("kursk")
        settlements = load_settlements(store, "kursk")
        layers = [x.collection for x in store.read_all("kursk")]
        digests = [geometry_digest(c) for c in layers]
        sha = {store.entry("kursk", d).sha256 for d in store.dates("kursk")}
        series_areas(layers[:2], t)  # warm the imports and the transformer
        t0 = time.perf_counter()
        today = series_areas(layers, t)
        t_area = time.perf_counter() - t0
        t0 = time.perf_counter()
        first: dict[str, int] = {}
        for i, d in enumerate(digests):
            first.setdefault(d, i)
        uniq = sorted(first.values())
        res = dict(zip(uniq, series_areas([layers[i] for i in uniq], t), strict=True))
        memo = [res[first[d]] for d in digests]
        t_area_memo = time.perf_counter() - t0
        assert [m.as_dict() for m in memo] == [x.as_dict() for x in today]

        pairs = list(zip(range(len(layers)), range(1, len(layers)), strict=False))
        t0 = time.perf_counter()
        full = [diff_layers(layers[a], layers[b], t, settlements=settlements).as_dict() for a, b in pairs]
        t_changes = time.perf_counter() - t0
        t0 = time.perf_counter()
        cache: dict = {}
        memo_pairs = []
        for a, b in pairs:
            key = (digests[a], digests[b])
            if key not in cache:
                cache[key] = diff_layers(layers[a], layers[b], t, settlements=settlements).as_dict()
            memo_pairs.append(cache[key])
        t_changes_memo = time.perf_counter() - t0
        assert memo_pairs == full
    out = {"layers": len(layers), "distinct_geometries": len(first),
           "identical_consecutive_pairs": sum(digests[a] == digests[b] for a, b in pairs),
           "distinct_sha256": len(sha),
           "area_s": t_area, "area_memo_s": t_area_memo, "changes_s": t_changes, "changes_memo_s": t_changes_memo}
    sys.stdout.write(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
