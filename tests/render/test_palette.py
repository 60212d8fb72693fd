"""The default palette under colour-vision deficiency: measured in CAM02-UCS, as the fills are drawn.

Each fill is composited at its map opacity over the map's background, then simulated (Machado 2009, full
severity, through colorspacious) for deuteranopia, protanopia and tritanopia, and compared under normal vision
too. Every pair of area classes must be at least ΔE 20 apart, except the pairs with the lost fill, which
carries a second cue instead (hatching and a dashed edge, checked here in both renderings). Text colours are
checked against WCAG AA (4.5:1) on their backgrounds. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import itertools
import re
from importlib import resources

import numpy as np
import pytest

colorspacious = pytest.importorskip("colorspacious", reason="pip install -e '.[test]' (colorspacious)")

from geo.render.payload import GAINED_COLOUR, LOST_COLOUR  # noqa: E402
from geo.render.static_map import BACKGROUND  # noqa: E402
from geo.store import Store  # noqa: E402

SIMULATIONS = ("normal", "deuteranomaly", "protanomaly", "tritanomaly")  # at severity 100: -anopia
OPACITY = {"area": 0.42, "gained": 0.55, "lost": 0.18}  # frontline.js / static_map.py fill opacities


def rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)]) / 255


def drawn(hex_colour: str, alpha: float) -> np.ndarray:
    return alpha * rgb(hex_colour) + (1 - alpha) * rgb(BACKGROUND)


def simulate(colour: np.ndarray, kind: str) -> np.ndarray:
    if kind == "normal":
        return colour
    cvd = {"name": "sRGB1+CVD", "cvd_type": kind, "severity": 100}
    return np.clip(colorspacious.cspace_convert(colour, cvd, "sRGB1"), 0, 1)


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    ua, ub = (colorspacious.cspace_convert(c, "sRGB1", "CAM02-UCS") for c in (a, b))
    return float(np.linalg.norm(ua - ub))


def classes() -> dict:
    t = Store("layers").theatre("kursk")
    out = {s.label: drawn(s.colour, OPACITY["area"]) for s in t.statuses if s.kind == "area"}
    out["gained"] = drawn(GAINED_COLOUR, OPACITY["gained"])
    out["lost"] = drawn(LOST_COLOUR, OPACITY["lost"])
    return out


def test_area_classes_stay_apart_under_every_simulation():
    cls = classes()
    worst = {}
    for kind in SIMULATIONS:
        for (a, ca), (b, cb) in itertools.combinations(cls.items(), 2):
            worst[(kind, a, b)] = delta_e(simulate(ca, kind), simulate(cb, kind))
    for kind in SIMULATIONS:
        row = sorted((v, f"{a}/{b}") for (k, a, b), v in worst.items() if k == kind)
        print(f"\n{kind:14s} " + ", ".join(f"{p} {v:.1f}" for v, p in row))
    short = {k: round(v, 1) for k, v in worst.items() if v < 20 and "lost" not in k[1:]}
    assert short == {}, short


def test_lost_ground_carries_a_second_cue_in_both_renderings():
    css = resources.files("geo.render").joinpath("frontline.css").read_text()
    js = resources.files("geo.render").joinpath("frontline.js").read_text()
    assert ".fl-lost{fill:url(#fl-hatch)}" in css and 'dashArray: "5 4"' in js
    from geo.render.payload import map_payload
    from geo.render.static_map import map_svg
    from geo.theatre import Status, Theatre

    t = Theatre("demo", "Demo", (Status("held", "Held", "#1f6fb4"),))
    sq = {"type": "Polygon", "coordinates": [[[35, 51], [35.1, 51], [35.1, 51.1], [35, 51]]]}
    change = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kind": "lost", "status": "union", "area_km2": 1.0}, "geometry": sq}]}
    p = map_payload(t, {"type": "FeatureCollection", "features": []}, date="2024-08-24", areas_km2={},
                    changes=change, since="2024-08-20")
    svg = map_svg(p, id_prefix="t")
    assert re.search(r'<path d="M[^"]+" fill="url\(#t-hatch-lost\)"[^>]*stroke-dasharray="5 4"', svg)


def contrast(fg: str, bg: str) -> float:
    def lum(c):
        c = rgb(c)
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_text_colours_meet_wcag_aa():
    css = resources.files("geo.render").joinpath("frontline.css").read_text()
    colours = set(re.findall(r"(?<![-\w])color:(#[0-9a-fA-F]{3,6})", css))
    full = {c if len(c) == 7 else "#" + "".join(ch * 2 for ch in c[1:]) for c in colours}
    ratios = {c: round(contrast(c, "#ffffff"), 2) for c in full if c.lower() != "#fff" and c.lower() != "#ffffff"}
    ratios.pop("#5c5c5c", None)  # country names: large letter-spaced text (AA large: 3:1), checked below
    print("\ncontrast on white:", ratios)
    assert all(r >= 4.5 for r in ratios.values()), ratios
    assert contrast("#5c5c5c", BACKGROUND) >= 4.5
    assert contrast("#222222", BACKGROUND) >= 4.5  # place labels on the map's background


def test_comparison_classes_stay_apart_under_every_simulation():
    """A comparison map: the ground both sources show and A's own at least dE 20 apart; B's own is hatched."""
    from geo.render.payload import BOTH_COLOUR, ONLY_A_COLOUR

    both, only_a = drawn(BOTH_COLOUR, 0.45), drawn(ONLY_A_COLOUR, 0.55)
    worst = {k: delta_e(simulate(both, k), simulate(only_a, k)) for k in SIMULATIONS}
    print("\nboth/only A:", {k: round(v, 1) for k, v in worst.items()})
    assert min(worst.values()) >= 20, worst
    css = resources.files("geo.render").joinpath("frontline.css").read_text()
    assert ".fl-only_b{fill:url(#fl-hatch-only_b)}" in css


DARK_MAP = "#23262b"
DARK_PAGE = "#15171a"


def dark_rules() -> str:
    return resources.files("geo.render").joinpath("frontline-dark.css").read_text()


def test_dark_theme_text_meets_wcag_aa():
    css = dark_rules()
    colours = set(re.findall(r"(?<![-\w])color:(#[0-9a-fA-F]{6})", css))
    ratios = {c: round(contrast(c, DARK_PAGE), 2) for c in colours}
    print("\ndark theme, text on the page:", ratios)
    assert colours and all(r >= 4.5 for r in ratios.values()), ratios
    for label in ("#f0f0f0", "#b8b8b8"):  # place and country names on the dark map
        assert contrast(label, DARK_MAP) >= 4.5


def test_dark_theme_area_classes_stay_apart():
    css = dark_rules()
    gained = re.search(r"path\.fl-gained,THEME \.fl-svg-gained\{fill:(#[0-9a-fA-F]{6})", css).group(1)
    t = Store("layers").theatre("kursk")

    def on_dark(c, a):
        return a * rgb(c) + (1 - a) * rgb(DARK_MAP)

    cls = {s.label: on_dark(s.colour, OPACITY["area"]) for s in t.statuses if s.kind == "area"}
    cls["gained"] = on_dark(gained, OPACITY["gained"])
    worst = {(k, a, b): delta_e(simulate(ca, k), simulate(cb, k))
             for k in SIMULATIONS for (a, ca), (b, cb) in itertools.combinations(cls.items(), 2)}
    lowest = sorted(worst.items(), key=lambda x: x[1])[:4]
    print("\ndark theme:", {f"{k}:{a}/{b}": round(v, 1) for (k, a, b), v in lowest})
    assert min(worst.values()) >= 20, worst
