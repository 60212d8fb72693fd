r"""Binary forms of versions and compressed packs of them: bytes in, bytes or geometries out (no files here).

**The binary form** of a version (:func:`shapes_blob`) holds what a computation reads, parsed once at write time:
each feature's properties (JSON) and its geometry as WKB (``None`` for a null geometry), so that a read
(:func:`read_blob`) builds shapely geometries with one vectorised ``from_wkb`` and never parses GeoJSON::

    FLSHAPE1\n                       magic
    {"of": "<sha256 of the GeoJSON object>", "properties": [...], "wkb": [len or -1, ...]}\n   (canonical JSON)
    WKB bytes of each non-null geometry, one after the other
    32 bytes: the sha256 of everything above (the form checks itself; "of" binds it to its version)

The geometries are those of the canonical GeoJSON (:func:`geometries_of`, through :func:`geo.geomio.to_shapely`:
polygons and lines with plain 2-D coordinates are built straight from the parsed coordinates, anything else
through ``shapely.from_geojson``); ``verify`` converts the GeoJSON object the slow way (:func:`wkb_by_geojson`) and
requires the same WKB byte for byte, so the fast path is checked against GEOS's own reader on every version.

**A pack** (:func:`make_pack`) holds up to :data:`PACK_VERSIONS` versions of one commit, both forms of each, in
two lzma (xz) streams, one of the GeoJSON objects and one of the binary forms, so a read of shapes decompresses
only the smaller one::

    FLPACK1\n                        magic
    {"versions": [[sha256, geojson offset, length, shapes offset, length], ...],
     "geojson": [start, length], "shapes": [start, length]}\n    the index (canonical JSON), offsets after it
    the xz stream of the GeoJSON objects, concatenated
    the xz stream of the binary forms, concatenated

A pack is named by the sha256 of all its bytes: a read re-hashes the whole file before trusting any of it, and then
each object is re-hashed against its version's id and each binary form checks itself.

Why these numbers: consecutive days repeat each other almost whole, so versions compressed *together* shrink
far more than one by one (measured on the 353 whole-front layers: 0.25x of the canonical bytes one by one,
about 0.01x for the GeoJSON and 0.03x for the WKB in packs of 32). The dictionary must span a whole pack for the
repeats to be found, so the preset is a fast one (:data:`LZMA_PRESET`) with a dictionary of
:data:`LZMA_DICT` bytes; one pack decompresses in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import lzma
from dataclasses import dataclass

from ..errors import CorruptStore
from ..geomio import to_shapely

PACK_MAGIC = b"FLPACK1\n"
BLOB_MAGIC = b"FLSHAPE1\n"
#: Versions per pack, at most.
PACK_VERSIONS = 32
#: lzma preset (0-9): 1 is fast and, with the dictionary below, finds the repeats across a pack's days (preset 0
#: does not: 0.19x for 0.014x on the whole front).
LZMA_PRESET = 1
#: The dictionary spans a whole pack (32 whole-front layers: about 2.2 MB of GeoJSON); a larger one only costs
#: time (32 MiB: 4x slower for the same bytes).
LZMA_DICT = 4 << 20


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _compress(data: bytes) -> bytes:
    filters = [{"id": lzma.FILTER_LZMA2, "preset": LZMA_PRESET, "dict_size": max(1 << 16, min(LZMA_DICT,
                                                                                              len(data)))}]
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_NONE, filters=filters)


# ---- the binary form of one version ----------------------------------------------------------------------------
def geometries_of(collection: dict) -> list:
    """The shapely geometry of each feature of a parsed layer (``None`` where null), as GEOS would read it."""
    out = []
    for f in collection.get("features", []):
        g = f.get("geometry") if isinstance(f, dict) else None
        out.append(None if g is None else to_shapely(g))
    return out


def _wkb_list(geoms) -> list:
    import numpy as np
    import shapely

    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    out = shapely.to_wkb(arr, output_dimension=3) if len(arr) else []
    return [None if g is None else bytes(w) for g, w in zip(geoms, out, strict=True)]


def shapes_blob(digest: str, collection: dict, geometries: list | None = None) -> bytes:
    """The binary form of the version ``digest`` whose parsed layer is ``collection``.

    ``geometries``, if given, are its features' shapely geometries already built (the validation's, which equal
    :func:`geometries_of` of the collection: ``verify`` checks the result against GEOS's own reader either way).
    """
    feats = collection.get("features", [])
    if geometries is None:
        geometries = geometries_of(collection)
    elif len(geometries) != len(feats):
        raise ValueError(f"{len(geometries)} geometries given for {len(feats)} features")
    return _blob(digest, [f.get("properties") for f in feats], _wkb_list(geometries))


def _blob(digest: str, props: list, wkbs: list) -> bytes:
    head = _canonical({"of": digest, "properties": props, "wkb": [-1 if w is None else len(w) for w in wkbs]})
    body = BLOB_MAGIC + head + b"\n" + b"".join(w for w in wkbs if w is not None)
    return body + hashlib.sha256(body).digest()


def wkb_by_geojson(collection: dict) -> list:
    """Each feature's WKB converted the slow, independent way (``shapely.from_geojson``): what verify compares."""
    import shapely

    geoms = [None if f.get("geometry") is None else shapely.from_geojson(json.dumps(f["geometry"]))
             for f in collection.get("features", [])]
    return _wkb_list(geoms)


def blob_parts(blob: bytes, digest: str) -> tuple[list, list]:
    """``(properties, wkb list)`` of a binary form, after checking its own hash and that it is ``digest``'s."""
    body, tail = blob[:-32], blob[-32:]
    if len(blob) < 32 + len(BLOB_MAGIC) or hashlib.sha256(body).digest() != tail or not body.startswith(BLOB_MAGIC):
        raise CorruptStore(f"version {digest[:12]}: its binary form is corrupted (its hash does not match)")
    end = body.index(b"\n", len(BLOB_MAGIC))
    head = json.loads(body[len(BLOB_MAGIC):end])
    if head.get("of") != digest:
        raise CorruptStore(f"version {digest[:12]}: the binary form found is that of another version")
    pos, wkbs = end + 1, []
    for n in head["wkb"]:
        if n < 0:
            wkbs.append(None)
        else:
            wkbs.append(body[pos:pos + n])
            pos += n
    if pos != len(body):
        raise CorruptStore(f"version {digest[:12]}: its binary form has {len(body) - pos} bytes too many")
    return head["properties"], wkbs


@dataclass(frozen=True)
class LayerShapes:
    """One version's features as computations want them: ``properties`` (one dict a feature, ``{}`` where the
    GeoJSON has null) and ``geometries`` (a numpy object array of shapely geometries, ``None`` where null), with
    the log ``entry`` they belong to.
    """

    entry: object
    properties: list
    geometries: object

    def __len__(self) -> int:
        return len(self.properties)


def read_blob(entry, blob: bytes) -> LayerShapes:
    """The :class:`LayerShapes` of a binary form (checked), with one vectorised ``from_wkb``."""
    import numpy as np
    import shapely

    props, wkbs = blob_parts(blob, entry.sha256)
    arr = np.empty(len(wkbs), dtype=object)
    arr[:] = wkbs
    geoms = shapely.from_wkb(arr) if len(arr) else np.empty(0, dtype=object)
    return LayerShapes(entry, [p if isinstance(p, dict) else {} for p in props], geoms)


def shapes_by_parsing(entry, data: bytes) -> LayerShapes:
    """The :class:`LayerShapes` of a version that has no binary form (an older store): parse its GeoJSON."""
    import numpy as np

    collection = json.loads(data)
    arr = np.empty(len(collection.get("features", [])), dtype=object)
    arr[:] = geometries_of(collection)
    return LayerShapes(entry, [f.get("properties") or {} for f in collection.get("features", [])], arr)


def agreement(digest: str, data: bytes, blob: bytes) -> str | None:
    """Why a version's binary form and its GeoJSON object disagree, or None where they agree."""
    try:
        props, wkbs = blob_parts(blob, digest)
    except (CorruptStore, ValueError, KeyError, TypeError) as exc:
        return str(exc).split(": ", 1)[-1] if isinstance(exc, CorruptStore) else "the binary form is unreadable"
    collection = json.loads(data)
    feats = collection.get("features", [])
    if props != [f.get("properties") for f in feats]:
        return "the binary form's properties differ from the GeoJSON object's"
    if wkbs != wkb_by_geojson(collection):
        return "the binary form's geometries differ from the GeoJSON object's"
    return None


# ---- packs -------------------------------------------------------------------------------------------------------
def make_pack(items: list[tuple[str, bytes, bytes]]) -> bytes:
    """A pack of ``(sha256, GeoJSON bytes, binary form)`` items (at most :data:`PACK_VERSIONS`)."""
    if not 0 < len(items) <= PACK_VERSIONS:
        raise ValueError(f"a pack holds 1 to {PACK_VERSIONS} versions, not {len(items)}")
    index, g_off, s_off = [], 0, 0
    for digest, data, blob in items:
        index.append([digest, g_off, len(data), s_off, len(blob)])
        g_off += len(data)
        s_off += len(blob)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:  # lzma lets go of the GIL: the two streams compress side by side
        gz, sz = pool.map(_compress, [b"".join(d for _, d, _ in items), b"".join(b for _, _, b in items)])
    head = _canonical({"versions": index, "geojson": [0, len(gz)], "shapes": [len(gz), len(sz)]})
    return PACK_MAGIC + head + b"\n" + gz + sz


def pack_index(head: bytes) -> dict | None:
    """The index at the start of a pack's bytes (``head``: at least its first line), or None if unreadable."""
    if not head.startswith(PACK_MAGIC):
        return None
    end = head.find(b"\n", len(PACK_MAGIC))
    if end < 0:
        return None
    try:
        index = json.loads(head[len(PACK_MAGIC):end])
        index["start"] = end + 1
        for v in index["versions"]:
            if not (isinstance(v, list) and len(v) == 5 and isinstance(v[0], str)):
                return None
        return index
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


@dataclass
class OpenPack:
    """A pack read whole and checked, each stream decompressed on first use (and kept: one pack is ~MBs)."""

    name: str
    data: bytes
    index: dict
    _streams: dict
    theatre: str = ""

    @classmethod
    def of(cls, name: str, data: bytes) -> OpenPack:
        if hashlib.sha256(data).hexdigest() != name:
            raise CorruptStore(f"pack {name[:12]} is corrupted (its hash does not match)")
        index = pack_index(data)
        if index is None:
            raise CorruptStore(f"pack {name[:12]} has an unreadable index")
        return cls(name, data, index, {})

    def _stream(self, kind: str) -> bytes:
        if kind not in self._streams:
            start, length = self.index[kind]
            base = self.index["start"]
            try:
                self._streams[kind] = lzma.decompress(self.data[base + start:base + start + length])
            except lzma.LZMAError:
                raise CorruptStore(f"pack {self.name[:12]}: its {kind} stream does not decompress") from None
        return self._streams[kind]

    def where(self, digest: str):
        for v in self.index["versions"]:
            if v[0] == digest:
                return v
        return None

    def geojson(self, digest: str) -> bytes:
        v = self.where(digest)
        data = self._stream("geojson")[v[1]:v[1] + v[2]]
        if hashlib.sha256(data).hexdigest() != digest:
            raise CorruptStore(f"version {digest[:12]} is corrupted (its hash does not match)")
        return data

    def blob(self, digest: str) -> bytes:
        v = self.where(digest)
        return self._stream("shapes")[v[3]:v[3] + v[4]]

    def digests(self) -> list[str]:
        return [v[0] for v in self.index["versions"]]
