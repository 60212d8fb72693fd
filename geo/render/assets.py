"""The pinned web assets of the maps (Leaflet's JS and CSS): hashes, a local cache, and the tags that load them.

The list lives in ``assets.json`` beside this module (data apart from logic): for each asset its npm package,
version and file, a CDN URL, and the Subresource Integrity hash (``sha384``, base64) of the exact bytes that npm
installs and the CDN serves. Only Leaflet is pinned: polygons, lines, circle markers, tooltips and the scale bar
are all Leaflet; no jQuery, Bootstrap or Font Awesome.

Two ways to load them (``assets=``):

``"cdn"``
    ``<script src=… integrity="sha384-…" crossorigin="anonymous">`` (and the same for the CSS): small pages; a
    browser refuses a file whose bytes differ from the pin.
``"inline"``
    every asset's text inside the one HTML file, so that the map works offline and outlives the CDN. The bytes
    come from the local cache and are checked against the pinned hash before use. The trailing
    ``//# sourceMappingURL=`` comment is dropped from inlined JS (it names a file that is not there).

Where the bytes come from (decided here): the cache folder, ``$FRONTLINE_ASSETS`` if set, else ``.assets/cache``
under the current working directory (files at ``<cache>/<package>@<version>/<file>``); else the Python package that
ships the same bytes, ``XStatic-Leaflet`` (a dependency: its 1.9.3 files are byte for byte npm's
``leaflet@1.9.3``, which is why 1.9.3 is the pin), so that ``--assets inline`` works right after ``pip install``
with no npm step. Either way the bytes are checked against the pinned hash before use. Fill the cache with
``frontline assets fetch`` (from that package, else the CDN URLs) or ``frontline assets fetch --from-npm DIR``
(from ``npm install leaflet@1.9.3`` into DIR). A missing or altered cache file raises
:class:`~geo.errors.MissingResource` (exit 3) with those two commands in its message.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from ..errors import InvalidInput, MissingResource
from .safe import html_text

ASSET_MODES = ("cdn", "inline")
_SOURCEMAP_RE = re.compile(rb"\n?//# sourceMappingURL=[^\n]*\n?\Z")


@dataclass(frozen=True)
class Asset:
    """One pinned file of an npm package, with its CDN URL and SRI hash."""

    name: str
    kind: str  # "js" or "css"
    package: str
    version: str
    file: str
    url: str
    integrity: str
    bytes: int = 0
    python_module: str = ""  # a Python package shipping the same bytes (XStatic), and its file name there
    python_file: str = ""

    @property
    def spec(self) -> str:
        """The npm install spec, e.g. ``leaflet@1.9.3``."""
        return f"{self.package}@{self.version}"

    def cache_path(self, cache_root: Path) -> Path:
        return Path(cache_root) / self.spec / self.file


@cache
def pinned() -> tuple[Asset, ...]:
    """The pinned assets, in load order (CSS first), as read from ``assets.json``."""
    data = json.loads(resources.files("geo.render").joinpath("assets.json").read_text(encoding="utf-8"))
    return tuple(Asset(**a) for a in data["assets"])


def npm_specs() -> list[str]:
    """The distinct ``package@version`` specs to ``npm install`` (sorted).

    Examples
    --------
    >>> npm_specs()
    ['leaflet@1.9.3']
    """
    return sorted({a.spec for a in pinned()})


def asset_hosts() -> tuple[str, ...]:
    """The origins the CDN assets load from (for a Content-Security-Policy).

    Examples
    --------
    >>> asset_hosts()
    ('https://cdn.jsdelivr.net',)
    """
    from urllib.parse import urlsplit

    return tuple(sorted({f"{urlsplit(a.url).scheme}://{urlsplit(a.url).netloc}" for a in pinned()}))


def integrity(data: bytes) -> str:
    """The SRI value of ``data``: ``sha384-`` and the base64 digest.

    Examples
    --------
    >>> integrity(b"")
    'sha384-OLBgp1GsljhM2TJ+sbHjaiH9txEUvgdDTAzHv2P24donTt6/529l+9Ua0vFImLlb'
    """
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def cache_dir(option: str | os.PathLike | None = None) -> Path:
    """The asset cache: ``option``, else ``$FRONTLINE_ASSETS``, else ``./.assets/cache``."""
    return Path(option or os.environ.get("FRONTLINE_ASSETS") or Path.cwd() / ".assets" / "cache")


def _howto(cache_root: Path) -> str:
    return (f"run `frontline assets fetch` (network) or `npm install --prefix DIR {' '.join(npm_specs())}` then "
            f"`frontline assets fetch --from-npm DIR`; the cache is {cache_root} "
            "(set $FRONTLINE_ASSETS to use another)")


def packaged_path(asset: Asset) -> Path | None:
    """The file of ``asset`` inside the Python package that ships it (XStatic-Leaflet), or None."""
    if not asset.python_module:
        return None
    import importlib

    try:
        module = importlib.import_module(asset.python_module)
    except ImportError:
        return None
    base = getattr(module, "BASE_DIR", None)
    path = Path(base) / (asset.python_file or Path(asset.file).name) if base else None
    return path if path is not None and path.is_file() else None


def read_asset(asset: Asset, cache_root: Path, *, packaged: bool = True) -> bytes:
    """Return the bytes of ``asset`` from the cache (else, with ``packaged``, from the Python package that ships
    it) after checking them against the pinned hash.

    Raises
    ------
    MissingResource
        The file is neither in the cache nor in its package, or its bytes do not match the pin.
    """
    path = asset.cache_path(cache_root)
    if not path.is_file() and packaged and packaged_path(asset) is not None:
        path = packaged_path(asset)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        raise MissingResource(f"asset {asset.spec}/{asset.file} is not in the cache: {_howto(cache_root)}") from None
    if integrity(data) != asset.integrity:
        raise MissingResource(f"cached {path} does not match its pinned hash {asset.integrity}: "
                              f"{_howto(cache_root)}")
    return data


def check(cache_root: Path) -> list[str]:
    """Names of the pinned assets missing from the cache folder itself or not matching their hash (empty: all good)."""
    bad = []
    for a in pinned():
        try:
            read_asset(a, cache_root, packaged=False)
        except MissingResource:
            bad.append(a.name)
    return bad


def _npm_candidates(npm_dir: Path, asset: Asset) -> list[Path]:
    return [npm_dir / "node_modules" / asset.package, npm_dir / asset.package, npm_dir]


def _from_npm(npm_dir: Path, asset: Asset) -> bytes:
    for pkg in _npm_candidates(npm_dir, asset):
        meta = pkg / "package.json"
        if not meta.is_file():
            continue
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if info.get("name") != asset.package:
            continue
        if info.get("version") != asset.version:
            raise InvalidInput(f"{pkg} holds {asset.package} {info.get('version')}, but {asset.version} is pinned: "
                               f"npm install {asset.spec}")
        return (pkg / asset.file).read_bytes()
    raise MissingResource(f"no npm package {asset.package} under {npm_dir}: "
                          f"npm install --prefix {npm_dir} {asset.spec}")


def _from_network(asset: Asset, timeout: float) -> bytes:
    from urllib.error import URLError
    from urllib.request import urlopen

    try:
        with urlopen(asset.url, timeout=timeout) as resp:  # noqa: S310 (pinned https URL)
            return resp.read()
    except (URLError, OSError) as exc:
        raise MissingResource(f"could not download {asset.url}: {exc}; without a network, npm install "
                              f"{asset.spec} and use `frontline assets fetch --from-npm DIR`") from None


def fetch(cache_root: Path, *, from_npm: str | os.PathLike | None = None, timeout: float = 30.0) -> list[Path]:
    """Fill the cache with every pinned asset, from an npm install (``from_npm``), else from the Python package
    that ships it (XStatic-Leaflet, no network), else from the CDN; return the paths written.

    Bytes are checked against the pinned hash before they are written (a temporary file renamed into place), so
    the cache never holds a file that :func:`read_asset` would refuse. Files already cached and valid are kept.

    Raises
    ------
    MissingResource
        No network and no npm folder, or the package is not in the npm folder.
    InvalidInput
        The downloaded or installed bytes differ from the pin (another version, a tampered file).
    """
    cache_root = Path(cache_root)
    written = []
    for asset in pinned():
        path = asset.cache_path(cache_root)
        try:
            read_asset(asset, cache_root, packaged=False)
            written.append(path)
            continue
        except MissingResource:
            pass
        if from_npm:
            data = _from_npm(Path(from_npm), asset)
        elif packaged_path(asset) is not None:
            data = packaged_path(asset).read_bytes()
        else:
            data = _from_network(asset, timeout)
        got = integrity(data)
        if got != asset.integrity:
            raise InvalidInput(f"{asset.spec}/{asset.file}: hash {got} differs from the pinned {asset.integrity}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(path)
    return written


def head_html(mode: str = "cdn", *, cache_root: str | os.PathLike | None = None) -> str:
    """The ``<head>`` tags that load the pinned assets, as links with SRI (``cdn``) or inline (``inline``).

    Raises
    ------
    InvalidInput
        An unknown ``mode``.
    MissingResource
        ``inline`` and an asset missing from the cache.

    Examples
    --------
    >>> head_html("cdn").count('integrity="sha384-')
    2
    """
    if mode not in ASSET_MODES:
        raise InvalidInput(f"unknown assets mode {mode!r}: choose one of {', '.join(ASSET_MODES)}")
    root = cache_dir(cache_root)
    tags = []
    for a in sorted(pinned(), key=lambda a: a.kind != "css"):
        if mode == "cdn":
            attrs = f'integrity="{html_text(a.integrity)}" crossorigin="anonymous" referrerpolicy="no-referrer"'
            if a.kind == "css":
                tags.append(f'<link rel="stylesheet" href="{html_text(a.url)}" {attrs}>')
            else:
                tags.append(f'<script src="{html_text(a.url)}" {attrs}></script>')
            continue
        data = _SOURCEMAP_RE.sub(b"\n", read_asset(a, root)).decode("utf-8")
        closing = "</style" if a.kind == "css" else "</script"
        if closing in data.lower() or "<!--" in data:
            raise InvalidInput(f"asset {a.name} contains {closing!r} or '<!--' and cannot be inlined")
        if a.kind == "css":
            tags.append(f"<style>/* {a.spec}/{a.file} */\n{data}</style>")
        else:
            tags.append(f"<script>/* {a.spec}/{a.file} */\n{data}</script>")
    return "\n".join(tags) + "\n"


def squeeze(text: str) -> str:
    """Our own JS or CSS without indentation, blank lines and whole-line comments: what the page needs.

    Deliberately conservative (never a minifier's rewriting): a line that is only a ``//`` comment goes, a
    ``/* ... */`` comment that begins a line and ends a line goes, every line loses its leading spaces. Our files
    hold no template literal or multi-line string, which this would change (a test checks that the squeezed
    scripts still run).
    """
    out, in_block = [], False
    for line in text.splitlines():
        s = line.strip()
        if in_block:
            in_block = "*/" not in s
            continue
        if s.startswith("/*") and (s.endswith("*/") or "*/" not in s):
            in_block = not s.endswith("*/")
            continue
        if not s or s.startswith("//"):
            continue
        out.append(s)
    return "\n".join(out) + "\n"


def minify_js(text: str) -> str:
    """JS as the page inlines it: ``rjsmin`` (comments and whitespace out, no name rewritten, no code moved): a
    kept, pure-Python library, pinned in ``pyproject.toml``. The timeline's script goes in as
    :func:`minified_script` made it (its local names already shortened), through this too (its header goes).
    """
    import rjsmin

    return rjsmin.jsmin(text, keep_bang_comments=False) + "\n"


#: the first line of a minified script: which source it is, by hash, and what made it
MINIFIED_HEADER = ("/* {name}: {source} (sha256 {sha}) minified by scripts/minify-js, calmjs.parse {version}; "
                   "do not edit */")
_MINIFIED_RE = re.compile(r"/\* (?P<name>\S+): (?P<source>\S+) \(sha256 (?P<sha>[0-9a-f]{64})\)")


def minified_script(source_name: str, source: str) -> str:
    """``source`` with its local names shortened and its whitespace out, under :data:`MINIFIED_HEADER`: what
    ``scripts/minify-js`` writes to ``geo/render/timeline.min.js``. Needs ``calmjs.parse`` (a test extra, pinned):
    the pages never run this, they read the file it wrote.

    Decided here: the timeline's script ships with its local names shortened (``calmjs.parse``'s obfuscating
    printer: globals, properties and strings as they are), 17 KB where whitespace and comments out left 21 KB.
    Done once, by a script, into a file kept beside its source, because parsing the script in Python cost a
    second of every build; the file names its source's hash, a build refuses a file that does not match
    (:func:`checked_minified`), and a test makes it again and compares. The browser tests run the minified file.
    """
    from importlib.metadata import version

    from calmjs.parse import es5
    from calmjs.parse.unparsers.es5 import minify_print

    name = source_name.removesuffix(".js") + ".min.js"
    body = minify_print(es5(source), obfuscate=True, obfuscate_globals=False)
    head = MINIFIED_HEADER.format(name=name, source=source_name, sha=hashlib.sha256(source.encode()).hexdigest(),
                                  version=version("calmjs.parse"))
    return head + "\n" + body + "\n"


def checked_minified(minified: str, source_name: str, source: str) -> str:
    """``minified`` if its header names ``source`` by its current hash; else MissingResource (exit 3): the
    minified file is older than its source (run ``scripts/minify-js``).
    """
    m = _MINIFIED_RE.match(minified)
    if not m or m["source"] != source_name or m["sha"] != hashlib.sha256(source.encode()).hexdigest():
        raise MissingResource(f"{source_name} changed since it was minified: run scripts/minify-js")
    return minified


def minify_css(text: str) -> str:
    """Our own CSS as the page inlines it: ``rcssmin`` (comments and whitespace out, nothing reordered)."""
    import rcssmin

    return rcssmin.cssmin(text, keep_bang_comments=False) + "\n"
