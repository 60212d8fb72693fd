"""``frontline animate``: frame counts, sizes, determinism, the figures on the frames, bad input."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

pytest.importorskip("imageio_ffmpeg", reason="pip install -e '.[test]' (imageio-ffmpeg)")

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("video") / "layers"
    shutil.copytree(REPO / "layers" / "kursk", root / "kursk", ignore=shutil.ignore_patterns("cache", "lock"))
    return root


def dates(store):
    return sorted(p.stem for p in (store / "kursk").glob("20*.geojson"))


def test_gif_has_a_frame_a_date_and_is_byte_identical_twice(run_cli, store, tmp_path):
    from PIL import Image

    outs = []
    for i in range(2):
        out = tmp_path / f"k{i}.gif"
        r = run_cli("--layers", store, "animate", "kursk", "--size", "240x240", "-o", out)
        assert r.exit_code == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    im = Image.open(tmp_path / "k0.gif")
    assert im.size == (240, 240) and im.n_frames == len(dates(store))
    im.seek(im.n_frames - 1)  # the last date held 2 s (the default) on top of its 1/8 s, in GIF's centiseconds
    assert im.info["duration"] == (125 + 2000) // 10 * 10


def test_mp4_decodes_with_size_and_frames_and_the_same_frames_twice(run_cli, store, tmp_path):
    import imageio.v2 as imageio

    digests = []
    for i in range(2):
        out = tmp_path / f"k{i}.mp4"
        r = run_cli("--layers", store, "animate", "kursk", "--size", "320x240", "--fps", "4", "--hold-last", "1",
                    "-o", out)
        assert r.exit_code == 0, r.stderr
        reader = imageio.get_reader(str(out))
        frames = [f for f in reader]
        reader.close()
        assert frames[0].shape == (240, 320, 3)
        assert len(frames) == len(dates(store)) + 4  # one a date, and the last held for 1 s at 4 fps
        digests.append([hashlib.sha256(f.tobytes()).hexdigest() for f in frames])
    assert digests[0] == digests[1]
    meta = imageio.get_reader(str(tmp_path / "k0.mp4")).get_meta_data()
    assert meta["codec"].startswith("h264") and meta["pix_fmt"].startswith("yuv420p")


def test_webm_and_calendar_steps(run_cli, store, tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "k.webm"
    r = run_cli("--layers", store, "animate", "kursk", "--every", "month", "--size", "240x240", "--hold-last", "0",
                "-o", out)
    assert r.exit_code == 0, r.stderr
    n = int(re.search(r"\((\d+) dates", r.output).group(1))
    first, last = dates(store)[0], dates(store)[-1]
    months = 1 + (int(last[:4]) - int(first[:4])) * 12 + int(last[5:7]) - int(first[5:7])  # boundaries + both ends
    assert n == months + 1
    gen = imageio_ffmpeg.read_frames(str(out))
    meta = next(gen)
    frames = list(gen)
    assert meta["size"] == (240, 240) and meta["codec"].startswith("vp9") and len(frames) == n


def test_the_figures_on_each_frame_are_those_of_area(run_cli, store):
    from geo.measure import compute_areas
    from geo.render import video
    from geo.store import Store

    s = Store(store)
    t = s.theatre("kursk")
    rows = compute_areas(s, "kursk", dates(store))
    film = video.Film(theatre=t, series=[(r["date"], r["total_km2"]) for r in rows], size=(320, 320))
    renderer = video.Renderer(film)
    area = run_cli("--layers", store, "area", "kursk", "--all", "--json").json()
    by_date = {row["date"]: row for row in area["dates"]}
    for r in rows[::6]:
        renderer.draw(video.Frame(r["date"], r["date"], s.read("kursk", r["date"]).collection, r["areas_km2"],
                                  r["total_km2"]))
        shown = renderer.figs.get_text().replace("\n", " ")
        numbers = [float(x.replace(",", "")) for x in re.findall(r"([\d,.]+) km²", shown)]
        want = by_date[r["date"]]["areas_km2"]
        expected = [want[k] for k in ("ua_controlled", "grey_zone")]
        assert numbers == pytest.approx(expected, abs=0.5 if max(expected) >= 100 else 0.05), (shown, expected)
        assert renderer.date.get_text().startswith(r["date"][8:].lstrip("0"))


@pytest.mark.parametrize("args, what", [
    (("-o", "x.avi"), ".gif, .mp4 or .webm"),
    (("--size", "721x720", "-o", "x.gif"), "even"),
    (("--size", "huge", "-o", "x.gif"), "square"),
    (("--fps", "0", "-o", "x.gif"), "fps"),
    (("--every", "fortnight", "-o", "x.gif"), "fortnight"),
])
def test_bad_input_is_one_line_and_exit_2(run_cli, store, tmp_path, args, what):
    before = {p: p.read_bytes() for p in (store / "kursk").rglob("*") if p.is_file()}
    r = run_cli("--layers", store, "animate", "kursk", *[tmp_path / a if a.startswith("x.") else a for a in args])
    assert r.exit_code == 2 and what in r.stderr and r.stderr.strip().count("\n") == 0, r.stderr
    assert {p: p.read_bytes() for p in (store / "kursk").rglob("*") if p.is_file()} == before


def test_parse_size_presets():
    from geo.render.video import SIZES, parse_size

    assert parse_size("landscape") == (1920, 1080) and parse_size("portrait") == (1080, 1920)
    assert set(SIZES) == {"square", "landscape", "portrait"}
    json.dumps(SIZES)
