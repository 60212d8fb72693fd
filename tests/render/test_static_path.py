"""The static map's path data (geo.render.static_map._path_data): relative steps between vertices rounded to a
tenth of a pixel, which a reader's browser must place exactly where the absolute commands put them before."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.render.static_map import _path_data

NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-60, 900, allow_nan=False), st.floats(-60, 900, allow_nan=False)),
                min_size=2, max_size=30))
def test_relative_steps_land_on_the_absolute_tenths(points):
    import shapely

    line = shapely.LineString(points)
    d = _path_data(line)
    assert d.startswith("M") and "L" not in d
    nums = [float(t) for t in NUMBER.findall(d)]
    x, y = nums[0], nums[1]
    got = [(x, y)]
    for i in range(2, len(nums), 2):
        x, y = round(x + nums[i], 1), round(y + nums[i + 1], 1)
        got.append((x, y))
    assert got == [(float(f"{px:.1f}"), float(f"{py:.1f}")) for px, py in line.coords]
