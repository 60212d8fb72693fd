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

import functools
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InvalidInput

STATUS_KINDS = ("area", "line")
#: How sure a source is of a status's ground: "assessed" (the default) counts in the headline total,
#: "claimed" only in the upper end of the range.
CERTAINTIES = ("assessed", "claimed")
CONTEXT_KINDS = ("border", "settlements", "events", "outlines", "countries")
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_COLOUR_LIKE = re.compile(r"#\S*|[a-z]{1,20}")  # what a --status part meant as a colour looks like
COLOUR_HELP = "a CSS hex colour (#rgb, #rrggbb, or with alpha #rgba, #rrggbbaa) or a CSS colour name (steelblue)"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
#: the default palette; the second (contested) is amber, kept apart from the blue under protanopia (test_palette.py)
DEFAULT_COLOURS = ("#1f6fb4", "#f0a830", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


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


@functools.cache
def css_colour_names() -> dict[str, str]:
    """The CSS named colours (CSS Color 4: 148 names) and their ``#rrggbb`` values, from ``css_colours.json``."""
    return json.loads((Path(__file__).with_name("css_colours.json")).read_text(encoding="utf-8"))["colours"]


def normalise_colour(text: str) -> str:
    """Return ``text`` as a hex colour if it is a CSS hex colour or a CSS colour name, else raise.

    Short hex forms are spelt out (``#abc`` → ``#aabbcc``) and names replaced by their value, so that every
    renderer (the page's CSS, Leaflet, matplotlib) reads the same six or eight digits.

    Raises
    ------
    InvalidInput
        Anything else (``#zzzzzz``, ``#12345``, ``blu``, an empty string).

    Examples
    --------
    >>> normalise_colour("#1f6fb4"), normalise_colour("#abc"), normalise_colour("SteelBlue")
    ('#1f6fb4', '#aabbcc', '#4682b4')
    >>> normalise_colour("#zzzzzz")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: invalid colour '#zzzzzz': use a CSS hex colour (#rgb, #rrggbb, or with alpha #rgba, \
#rrggbbaa) or a CSS colour name (steelblue)
    """
    t = text.strip() if isinstance(text, str) else ""
    if _HEX_RE.fullmatch(t):
        return "#" + "".join(c * 2 for c in t[1:]) if len(t) in (4, 5) else t
    named = css_colour_names().get(t.lower())
    if named is None:
        raise InvalidInput(f"invalid colour {text!r}: use {COLOUR_HELP}")
    return named


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
    #: the label in other languages, ``(("uk", "…"), ("ru", "…"))``: ``label.uk = "…"`` in theatre.toml
    labels: tuple[tuple[str, str], ...] = ()

    def label_in(self, lang: str | None) -> str:
        """The label in ``lang`` where theatre.toml gives one, else the default label.

        Examples
        --------
        >>> Status("held", "Held", "#112233", labels=(("uk", "Утримується"),)).label_in("uk")
        'Утримується'
        >>> Status("held", "Held", "#112233").label_in("de")
        'Held'
        """
        return dict(self.labels).get(lang or "", self.label)

    def __post_init__(self):
        for lang, text in self.labels:
            if not _LANG_RE.fullmatch(lang) or not isinstance(text, str):
                raise InvalidInput(f"status {self.key!r}: label.{lang} must be a language code (uk, ru, de) with text")
        if not _KEY_RE.fullmatch(self.key):
            raise InvalidInput(f"invalid status key {self.key!r}: use a-z, 0-9 and '_', starting with a letter")
        try:
            object.__setattr__(self, "colour", normalise_colour(self.colour))
        except InvalidInput:
            raise InvalidInput(f"invalid colour {self.colour!r} for status {self.key!r}: use {COLOUR_HELP}") from None
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
    #: the title in other languages (``title.uk = "…"`` in theatre.toml)
    titles: tuple[tuple[str, str], ...] = ()

    def title_in(self, lang: str | None) -> str:
        """The title in ``lang`` where theatre.toml gives one, else the default title."""
        return dict(self.titles).get(lang or "", self.title)

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
            statuses = []
            for i, st in enumerate(data.get("status", [])):
                label, labels = _text_and_translations(st.get("label", st["key"]), f"status {st['key']!r} label")
                statuses.append(Status(
                    key=str(st["key"]),
                    label=label,
                    colour=str(st.get("colour", DEFAULT_COLOURS[i % len(DEFAULT_COLOURS)])),
                    kind=str(st.get("kind", "area")),
                    certainty=str(st.get("certainty", "assessed")),
                    labels=labels,
                ))
            statuses = tuple(statuses)
            title, titles = _text_and_translations(data.get("title", name), "title")
            region = data.get("region", {})
            bbox = region.get("bbox")
            return cls(
                name=name,
                title=title,
                titles=titles,
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
        if self.titles:
            lines = [f"title.en = {q(self.title)}"] + [f"title.{k} = {q(v)}" for k, v in self.titles]
        else:
            lines = [f"title = {q(self.title)}"]
        lines.append("attribution = [" + ", ".join(q(a) for a in self.attribution) + "]")
        for s in self.statuses:
            if s.labels:
                label = [f"label.en = {q(s.label)}"] + [f"label.{k} = {q(v)}" for k, v in s.labels]
            else:
                label = [f"label = {q(s.label)}"]
            lines += ["", "[[status]]", f"key = {q(s.key)}", *label, f"colour = {q(s.colour)}", f"kind = {q(s.kind)}"]
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


def _text_and_translations(value, what: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """A theatre.toml text that is either a string or a table of languages (``en`` the default).

    Examples
    --------
    >>> _text_and_translations({"en": "Held", "uk": "Утримується"}, "label")
    ('Held', (('uk', 'Утримується'),))
    >>> _text_and_translations("Held", "label")
    ('Held', ())
    """
    if isinstance(value, dict):
        if "en" not in value:
            raise InvalidInput(f"{what}: a table of languages needs its English text (en = \"…\")")
        others = tuple(sorted((str(k), str(v)) for k, v in value.items() if k != "en"))
        return str(value["en"]), others
    return str(value), ()


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

    Read from the right: a last part ``area`` or ``line`` is the kind; then a part that looks like a colour
    (``#`` and no space, or one lower-case word of up to 20 letters, the length of the longest CSS colour name)
    is the colour, and must be one (:func:`normalise_colour`); an empty part there means the default colour of position
    ``index``. Everything before is the label, which may hold ``:`` (hostile or not, it is only ever text).
    After a hex colour (or after a colour name, a colour-like word) comes a kind, so anything else there is a
    misspelt kind. So ``Held:#zzzzzz`` and ``Held:#1f6fb4:polygon`` are
    refused, naming the part that is wrong, instead of becoming a label with the default colour; so is
    ``Held:stealblue``. A capitalised last word that is no colour name is text (``L1:Sudzha`` is a label,
    ``Held:SteelBlue`` a colour); a label that itself ends in
    ``:lowercase`` goes in ``theatre.toml``.

    Raises
    ------
    InvalidInput
        No ``=``, a bad colour or a bad kind.

    Examples
    --------
    >>> parse_status_option("grey_zone=Contested:#9e9e9e")
    Status(key='grey_zone', label='Contested', colour='#9e9e9e', kind='area', certainty='assessed', labels=())
    >>> parse_status_option("contact_line=Front line:#d62728:line").kind
    'line'
    >>> parse_status_option("front=Front line:line").colour, parse_status_option("held=Held", 1).colour
    ('#1f6fb4', '#f0a830')
    >>> parse_status_option("held=Held:#1f6fb4:polygon")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: --status 'held=Held:#1f6fb4:polygon': kind 'polygon' is not area or line
    """
    if "=" not in text:
        raise InvalidInput(f"--status {text!r}: expected KEY=LABEL[:COLOUR][:KIND]")
    key, rest = text.split("=", 1)
    parts = rest.split(":")
    kind, colour = "area", ""
    if len(parts) > 1 and parts[-1].strip() in STATUS_KINDS:
        kind = parts.pop().strip()
    elif len(parts) > 2 and _is_colour(parts[-2].strip()) and (parts[-2].strip().startswith("#")
                                                               or _COLOUR_LIKE.fullmatch(parts[-1].strip())):
        raise InvalidInput(f"--status {text!r}: kind {parts[-1].strip()!r} is not area or line")
    last = parts[-1].strip()
    if len(parts) > 1 and (last == "" or _COLOUR_LIKE.fullmatch(last) or _is_colour(last)):
        colour = parts.pop().strip()
        if colour and not _is_colour(colour):
            raise InvalidInput(f"--status {text!r}: colour {colour!r} is not {COLOUR_HELP}")
    label = ":".join(parts).strip()
    return Status(key=key.strip(), label=label or key.strip(),
                  colour=normalise_colour(colour) if colour else DEFAULT_COLOURS[index % len(DEFAULT_COLOURS)],
                  kind=kind)


def _is_colour(text: str) -> bool:
    try:
        normalise_colour(text)
    except InvalidInput:
        return False
    return True
