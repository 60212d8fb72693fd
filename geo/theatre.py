"""A theatre's settings: title, status vocabulary, region of interest, context files, attribution.

The settings live in ``theatre.toml`` beside the layers (data apart from logic, as xyzservices keeps its
providers). This module only parses and writes that text; the store reads and writes the file.

Example ``theatre.toml``::

    title = "Kursk incursion, 2024-2025"
    attribution = ["Front line: DeepStateMap"]

    [[status]]
    key = "ua_controlled"
    label = "Ukrainian-held"
    colour = "#1f6fb4"
    kind = "area"            # "area" (measured) or "line" (drawn, never measured)
    certainty = "assessed"   # "assessed" (default) or "claimed": kept out of the headline total, see below

    [region]
    bbox = [34.0, 50.8, 36.2, 52.0]    # west, south, east, north (lon/lat)
    polygon = "context/region.geojson" # optional: clip and misplacement checks
    regions = "context/regions.geojson" # optional: named polygons for `area --by region`
    regions_field = "name"

    [context]                          # optional files, relative to the theatre folder
    border = "context/border.geojson"
    settlements = "context/settlements.geojson"
    events = "context/events.json"

Certainty. A status is ``assessed`` (the default: ground the source holds to be held) or ``claimed`` (ground
that is claimed or contested, such as a grey zone: reported, not established). Claimed statuses are measured
like any other but kept out of the headline total: a layer's ``total_km2`` is the union of its assessed area
statuses, and where a theatre has claimed statuses its figures are a range, ``[assessed, assessed and
claimed]`` (:func:`geo.area.area_range`). "Contested" in a caption means these claimed statuses.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field

from .errors import InvalidInput

STATUS_KINDS = ("area", "line")
#: How sure a source is of a status's ground: "assessed" (the default) counts in the headline total,
#: "claimed" only in the upper end of the range.
CERTAINTIES = ("assessed", "claimed")
CONTEXT_KINDS = ("border", "settlements", "events", "outlines")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
DEFAULT_COLOURS = ("#1f6fb4", "#9e9e9e", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe theatre name, else raise.

    A theatre name is a folder name inside the store: lower-case letters, digits, ``-`` and ``_``,
    starting with a letter or digit. Anything else (``../x``, ``/etc``, ``a/b``) could leave the store.

    Examples
    --------
    >>> check_name("kursk")
    'kursk'
    >>> check_name("../etc")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: invalid theatre name '../etc': use a-z, 0-9, '-' and '_' (it names a folder)
    """
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise InvalidInput(f"invalid theatre name {name!r}: use a-z, 0-9, '-' and '_' (it names a folder)")
    return name


def check_relative_path(path: str, what: str) -> str:
    """Return ``path`` if it stays inside the theatre folder (relative, no ``..``), else raise."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", path):
        raise InvalidInput(f"{what} path {path!r} must be relative to the theatre folder, without '..'")
    return path


@dataclass(frozen=True)
class Status:
    """One entry of the status vocabulary."""

    key: str
    label: str
    colour: str
    kind: str = "area"
    certainty: str = "assessed"

    def __post_init__(self):
        if not _KEY_RE.fullmatch(self.key):
            raise InvalidInput(f"invalid status key {self.key!r}: use a-z, 0-9 and '_', starting with a letter")
        if not _COLOUR_RE.fullmatch(self.colour):
            raise InvalidInput(f"invalid colour {self.colour!r} for status {self.key!r}: use #rrggbb")
        if self.kind not in STATUS_KINDS:
            raise InvalidInput(f"invalid kind {self.kind!r} for status {self.key!r}: choose one of area, line")
        if self.certainty not in CERTAINTIES:
            raise InvalidInput(f"invalid certainty {self.certainty!r} for status {self.key!r}: choose one of "
                               f"{', '.join(CERTAINTIES)}")


@dataclass(frozen=True)
class Theatre:
    """Settings of one theatre, as read from ``theatre.toml``.

    ``bbox`` is ``(west, south, east, north)`` in degrees; paths are relative to the theatre folder.
    """

    name: str
    title: str
    statuses: tuple[Status, ...]
    bbox: tuple[float, float, float, float] | None = None
    region_polygon: str | None = None
    regions: str | None = None
    regions_field: str = "name"
    context: dict = field(default_factory=dict)
    attribution: tuple[str, ...] = ()

    def __post_init__(self):
        check_name(self.name)
        keys = [s.key for s in self.statuses]
        if len(set(keys)) != len(keys):
            raise InvalidInput(f"theatre {self.name!r}: duplicate status keys in {keys}")
        if self.bbox is not None:
            w, s, e, n = self.bbox
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                raise InvalidInput(f"theatre {self.name!r}: bbox {list(self.bbox)} is not west<east, south<north")
        for what, p in (("region polygon", self.region_polygon), ("regions", self.regions)):
            if p is not None:
                check_relative_path(p, what)
        for kind, p in self.context.items():
            if kind not in CONTEXT_KINDS:
                raise InvalidInput(f"unknown context kind {kind!r}: choose from {', '.join(CONTEXT_KINDS)}")
            check_relative_path(p, kind)

    @property
    def status_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.statuses)

    @property
    def area_statuses(self) -> tuple[str, ...]:
        """Keys of the statuses measured as area, in vocabulary order."""
        return tuple(s.key for s in self.statuses if s.kind == "area")

    @property
    def claimed_statuses(self) -> tuple[str, ...]:
        """Keys of the area statuses whose certainty is ``claimed`` (kept out of the headline total)."""
        return tuple(s.key for s in self.statuses if s.kind == "area" and s.certainty == "claimed")

    @property
    def assessed_statuses(self) -> tuple[str, ...]:
        """Keys of the area statuses whose certainty is ``assessed``: their union is the headline total."""
        return tuple(s.key for s in self.statuses if s.kind == "area" and s.certainty != "claimed")

    def status(self, key: str) -> Status:
        """Return the status ``key``, or raise listing the known ones."""
        for s in self.statuses:
            if s.key == key:
                return s
        raise InvalidInput(f"unknown status {key!r}: known statuses are {', '.join(self.status_keys)}")

    @classmethod
    def from_toml(cls, text: str, name: str) -> Theatre:
        """Parse the text of a ``theatre.toml``."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"theatre {name!r}: theatre.toml is not valid TOML: {exc}") from None
        try:
            statuses = tuple(
                Status(
                    key=str(s["key"]),
                    label=str(s.get("label", s["key"])),
                    colour=str(s.get("colour", DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)])),
                    kind=str(s.get("kind", "area")),
                    certainty=str(s.get("certainty", "assessed")),
                )
                for i, s in enumerate(data.get("status", []))
            )
            region = data.get("region", {})
            bbox = region.get("bbox")
            return cls(
                name=name,
                title=str(data.get("title", name)),
                statuses=statuses,
                bbox=tuple(float(v) for v in bbox) if bbox else None,
                region_polygon=region.get("polygon"),
                regions=region.get("regions"),
                regions_field=str(region.get("regions_field", "name")),
                context={str(k): str(v) for k, v in data.get("context", {}).items()},
                attribution=tuple(str(a) for a in data.get("attribution", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(f"theatre {name!r}: theatre.toml is malformed: {exc!r}") from None

    def to_toml(self) -> str:
        """Serialise to ``theatre.toml`` text (deterministic; round-trips through :meth:`from_toml`)."""
        q = _toml_str
        lines = [f"title = {q(self.title)}"]
        lines.append("attribution = [" + ", ".join(q(a) for a in self.attribution) + "]")
        for s in self.statuses:
            lines += ["", "[[status]]", f"key = {q(s.key)}", f"label = {q(s.label)}",
                      f"colour = {q(s.colour)}", f"kind = {q(s.kind)}"]
            if s.certainty != "assessed":
                lines.append(f"certainty = {q(s.certainty)}")
        if self.bbox or self.region_polygon or self.regions:
            lines += ["", "[region]"]
            if self.bbox:
                lines.append("bbox = [" + ", ".join(repr(float(v)) for v in self.bbox) + "]")
            if self.region_polygon:
                lines.append(f"polygon = {q(self.region_polygon)}")
            if self.regions:
                lines.append(f"regions = {q(self.regions)}")
                lines.append(f"regions_field = {q(self.regions_field)}")
        if self.context:
            lines += ["", "[context]"] + [f"{k} = {q(v)}" for k, v in sorted(self.context.items())]
        return "\n".join(lines) + "\n"


def _toml_str(s: str) -> str:
    r"""A TOML basic string: JSON's escapes, plus DEL, which TOML forbids raw and JSON leaves alone.

    Examples
    --------
    >>> _toml_str('a"b\x7f')
    '"a\\"b\\u007f"'
    """
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def parse_status_option(text: str, index: int = 0) -> Status:
    """Parse ``KEY=LABEL[:COLOUR][:KIND]`` as given to ``frontline init --status``.

    Examples
    --------
    >>> parse_status_option("grey_zone=Contested:#9e9e9e")
    Status(key='grey_zone', label='Contested', colour='#9e9e9e', kind='area', certainty='assessed')
    >>> parse_status_option("contact_line=Front line:#d62728:line").kind
    'line'
    """
    if "=" not in text:
        raise InvalidInput(f"--status {text!r}: expected KEY=LABEL[:COLOUR][:KIND]")
    key, rest = text.split("=", 1)
    parts = rest.split(":")
    kind = "area"
    if len(parts) > 1 and parts[-1] in STATUS_KINDS:
        kind = parts.pop()
    colour = DEFAULT_COLOURS[index % len(DEFAULT_COLOURS)]
    if len(parts) > 1 and _COLOUR_RE.fullmatch(parts[-1]):
        colour = parts.pop()
    return Status(key=key.strip(), label=":".join(parts).strip() or key.strip(), colour=colour, kind=kind)
