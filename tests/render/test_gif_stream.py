"""The GIF writer streams: the same pictures and times as Pillow's ``save(save_all=True)``, in bounded memory.

The reference is the writer before streaming (Pillow's own multi-frame save of the same quantised frames, the
last frame's hold given as repeats that Pillow merges); both files are decoded to RGB and compared frame by frame.
"""

from __future__ import annotations

import gc
import shutil
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from geo.errors import InvalidInput
from geo.render import video

W, H = 64, 48
REPO = Path(__file__).resolve().parents[2]


def series():
    """Frames that exercise every case between two frames: a moving box, a one-pixel change in a corner, the same
    picture twice and three times (merged), a return to an earlier picture, the whole frame changing, colours
    that are not in the palette."""
    base = np.full((H, W, 3), 240, np.uint8)
    base[30:40, :] = (40, 90, 200)
    out = []
    for i in range(6):
        a = base.copy()
        a[4 + i * 3:14 + i * 3, 5 + i * 4:20 + i * 4] = (210, 30, 30)
        out.append(a)
    a = out[-1].copy()
    a[H - 1, W - 1] = (0, 0, 0)
    out += [a, a.copy(), a.copy()]
    out += [out[2].copy(), out[2].copy()]
    out.append(np.full((H, W, 3), (30, 160, 60), np.uint8))
    a = out[-1].copy()
    a[0, 0] = (123, 45, 67)  # not in the palette: the nearest colour
    a[10:20, 30:50] = base[10:20, 30:50]
    out.append(a)
    return out


def reference(path, frames, fps, hold_last, palette_from):
    """The GIF writer before streaming (``geo.render.video._write_gif`` up to this change)."""
    palette = Image.fromarray(palette_from, "RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT,
                                                            dither=Image.Dither.NONE)
    step = round(1000 / fps)
    held = round(1000 * max(hold_last, 0) / step)
    ims = [Image.fromarray(px, "RGB").quantize(palette=palette, dither=Image.Dither.NONE) for px in frames]
    ims += [ims[-1]] * held
    ims[0].save(path, save_all=True, append_images=ims[1:], duration=step, loop=0, optimize=False, disposal=1)


def decoded(path):
    """(loop, [(duration ms, RGB array)] of every frame) as Pillow reads the file."""
    with Image.open(path) as im:
        assert im.format == "GIF"
        loop = im.info.get("loop")
        return loop, [(f.info.get("duration"), np.asarray(f.convert("RGB"))) for f in ImageSequence.Iterator(im)]


def assert_same_film(got, want):
    loop, frames = decoded(got)
    want_loop, want_frames = decoded(want)
    assert loop == want_loop == 0
    assert [d for d, _ in frames] == [d for d, _ in want_frames]
    for i, ((_, a), (_, b)) in enumerate(zip(frames, want_frames, strict=True)):
        assert np.array_equal(a, b), f"frame {i}: {(a != b).any(axis=2).sum()} pixels differ"


@pytest.mark.parametrize("fps, hold_last", [(8.0, 2.0), (3.0, 0.0), (25.0, 0.5)])
def test_the_stream_shows_what_pillow_shows(tmp_path, fps, hold_last):
    frames = series()
    got, want = tmp_path / "stream.gif", tmp_path / "pillow.gif"
    n = video.write(got, iter(frames), fps=fps, hold_last=hold_last, palette_from=frames[0])
    reference(want, frames, fps, hold_last, frames[0])
    assert n == len(frames)
    assert_same_film(got, want)
    _, shown = decoded(got)
    assert len(shown) == len(frames) - 3  # two repeats of frame 6 and one of frame 9 merged into the one before
    assert got.read_bytes()[:6] == b"GIF89a" and got.read_bytes()[-1:] == b";"


def test_ffmpeg_decodes_the_same_frames(tmp_path):
    """A second decoder (browsers' rules: disposal 1, transparent index) agrees with Pillow's reading."""
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    frames = series()
    got, want = tmp_path / "stream.gif", tmp_path / "pillow.gif"
    video.write(got, iter(frames), palette_from=frames[0])
    reference(want, frames, 8.0, 2.0, frames[0])
    gen = imageio_ffmpeg.read_frames(str(got), output_params=["-fps_mode", "passthrough"])
    assert next(gen)["size"] == (W, H)
    seen = [np.frombuffer(b, np.uint8).reshape(H, W, 3) for b in gen]
    _, shown = decoded(want)
    assert len(seen) == len(shown)
    for i, (a, (_, b)) in enumerate(zip(seen, shown, strict=True)):
        assert np.array_equal(a, b), f"frame {i}: {(a != b).any(axis=2).sum()} pixels differ"


def test_the_bundled_series_same_pictures_in_a_smaller_file(tmp_path):
    """Real frames (the Kursk series drawn at 240 px): the unchanged pixels as transparency make the file smaller
    than Pillow's (on synthetic frames of a few flat colours it can be a few bytes larger)."""
    from geo.measure import compute_areas
    from geo.store import Store

    root = tmp_path / "layers"
    shutil.copytree(REPO / "layers" / "kursk", root / "kursk", ignore=shutil.ignore_patterns("cache", "lock"))
    store = Store(root)
    dates = sorted(p.stem for p in (root / "kursk").glob("20*.geojson"))
    rows = compute_areas(store, "kursk", dates)
    film = video.Film(theatre=store.theatre("kursk"), series=[(r["date"], r["total_km2"]) for r in rows],
                      size=(240, 240))
    renderer = video.Renderer(film)
    frames = [renderer.draw(video.Frame(r["date"], r["date"], store.read("kursk", r["date"]).collection,
                                        r["areas_km2"], r["total_km2"])) for r in rows]
    peak = frames[max(range(len(rows)), key=lambda i: rows[i]["total_km2"])]
    got, want = tmp_path / "stream.gif", tmp_path / "pillow.gif"
    video.write(got, iter(frames), palette_from=peak)
    reference(want, frames, 8.0, 2.0, peak)
    assert_same_film(got, want)
    assert got.stat().st_size < 0.8 * want.stat().st_size, (got.stat().st_size, want.stat().st_size)


def test_one_frame_and_one_picture_many_times(tmp_path):
    frame = series()[0]
    for name, frames in (("one", [frame]), ("same", [frame] * 5)):
        got, want = tmp_path / f"{name}.gif", tmp_path / f"{name}-pillow.gif"
        video.write(got, iter(frames), fps=4, hold_last=1.0, palette_from=frame)
        reference(want, frames, 4, 1.0, frame)
        assert_same_film(got, want)
        assert decoded(got)[1][0][0] == 250 * (len(frames) + 4)


def test_a_palette_of_256_colours_has_no_transparent_index_and_is_still_right(tmp_path):
    """With every index in use there is none left for "unchanged": the changed box is written whole."""
    rng = np.random.default_rng(7)
    palette = rng.integers(0, 256, 768, dtype=np.uint8)
    idx = [rng.integers(0, 256, (H, W), dtype=np.uint8) for _ in range(3)]
    idx[1] = idx[0].copy()
    idx[1][10:20, 10:30] = idx[2][10:20, 10:30]
    ims = []
    for a in idx:
        im = Image.fromarray(a, "P")
        im.putpalette(palette.tobytes())
        ims.append(im)
    got, want = tmp_path / "p.gif", tmp_path / "p-pillow.gif"
    with open(got, "wb") as f:
        gif = video._GifStream(f, ims[0].copy(), 100)
        assert gif.transparent is None
        for im in ims[1:]:
            gif.add(im.copy(), 100)
        gif.close()
    ims[0].save(want, save_all=True, append_images=ims[1:], duration=100, loop=0, optimize=False, disposal=1)
    assert_same_film(got, want)


def test_a_film_that_fails_leaves_no_file_and_the_old_one_intact(tmp_path):
    out = tmp_path / "film.gif"
    out.write_bytes(b"older film")

    def failing():
        yield from series()[:4]
        raise RuntimeError("renderer died")

    with pytest.raises(RuntimeError, match="renderer died"):
        video.write(out, failing(), palette_from=series()[0])
    assert out.read_bytes() == b"older film"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.gif"]
    with pytest.raises(InvalidInput, match="no frames"):
        video.write(tmp_path / "none.gif", iter(()))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.gif"]


def _frames(n, size=160):
    rng = np.random.default_rng(1)
    for i in range(n):
        a = np.full((size, size, 3), 250, np.uint8)
        a[(i * 3) % (size - 20):(i * 3) % (size - 20) + 20, 10:60] = (200, 30, 30)
        a[5:15, 5:5 + i % 150] = (20, 20, 20)
        a[100:140, 100:140] = rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)  # something LZW cannot pack
        yield a


def _peaks(tmp_path, n):
    """(Python-side peak bytes, most Pillow images alive at once) while writing ``n`` frames.

    tracemalloc sees numpy and Python objects but not Pillow's image memory, which Pillow allocates itself; its
    arena counts the blocks it hands out and takes back, one a frame of this size, so the live count is the
    number of frames Pillow holds. Garbage is collected before each frame, so that what is counted is what is
    held, not what the collector has yet to free (``GifImagePlugin.getdata`` leaves each frame's bytes in a
    class made per call, freed by the cycle collector).
    """
    def live():
        s = Image.core.get_stats()
        return s["allocated_blocks"] - s["freed_blocks"]

    seen = []

    def frames():
        for a in _frames(n):
            gc.collect(1)
            seen.append(live())
            yield a

    palette = next(_frames(1))
    tracemalloc.start()
    try:
        video.write(tmp_path / f"{n}.gif", frames(), fps=8, hold_last=1, palette_from=palette)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, max(seen)


def test_memory_does_not_grow_with_the_number_of_frames(tmp_path):
    """Writing 160 frames holds no more than writing 40 (Pillow's save_all held all of them: 4 times as much)."""
    _peaks(tmp_path, 2)  # the imports and caches of a first film, out of the way
    py40, pil40 = _peaks(tmp_path, 40)
    py160, pil160 = _peaks(tmp_path, 160)
    assert pil160 == pil40 <= 6, (pil40, pil160)
    frame = 160 * 160 * 3
    assert py160 < py40 + frame, (py40, py160)  # less than one more RGB frame
    with Image.open(tmp_path / "160.gif") as im:
        assert im.n_frames == 160
