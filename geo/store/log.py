"""The log: dates and timestamps, canonical bytes and their hash, log entries, parsing and chain checks.

Shared by every backend: both number, stamp, chain and seal entries with this code, and hash the same canonical
bytes, so a theatre copied between them keeps its hashes. Pure (bytes in, entries and problems out).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, replace

from ..errors import InvalidInput

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LOG_FIELDS = (
    "seq", "date", "version", "sha256", "recorded_at", "source", "note", "recorded_by", "features", "prev", "check",
)



def parse_date(text: str, what: str = "date") -> str:
    """Return ``text`` as a ``YYYY-MM-DD`` string after checking it is a real calendar date.

    Examples
    --------
    >>> parse_date("2024-08-24")
    '2024-08-24'
    >>> parse_date("2024-02-30")
    Traceback (most recent call last):
    ...
    geo.errors.InvalidInput: invalid date '2024-02-30': day is out of range for month
    """
    if not isinstance(text, str) or not _DATE_RE.fullmatch(text.strip()):
        raise InvalidInput(f"invalid {what} {text!r}: expected YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError as exc:
        raise InvalidInput(f"invalid {what} {text!r}: {exc}") from None


def parse_timestamp(text: str) -> str:
    """Parse an ``--as-of`` value into the log's UTC timestamp format.

    A date alone means the end of that day (UTC); a time without a zone is taken as UTC.

    Examples
    --------
    >>> parse_timestamp("2024-08-24")
    '2024-08-24T23:59:59.999999Z'
    >>> parse_timestamp("2024-08-24T12:00:00+02:00")
    '2024-08-24T10:00:00.000000Z'
    """
    s = text.strip()
    if _DATE_RE.fullmatch(s):
        return parse_date(s, "timestamp") + "T23:59:59.999999Z"
    try:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"invalid timestamp {text!r}: expected ISO 8601, e.g. 2024-08-24T18:00:00Z") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return format_timestamp(t)


def _parse_stamp(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def format_timestamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(collection: dict) -> bytes:
    r"""The canonical serialisation of a layer, whose sha256 is the version's id.

    Examples
    --------
    >>> canonical_bytes({"type": "FeatureCollection", "features": []})
    b'{"features":[],"type":"FeatureCollection"}\n'
    """
    text = json.dumps(collection, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8") + b"\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class LogEntry:
    seq: int
    date: str
    version: int
    sha256: str
    recorded_at: str
    source: str = ""
    note: str = ""
    recorded_by: str = ""
    features: int = 0
    prev: str = ""
    check: str = ""

    def expected_check(self) -> str:
        """sha256 of the entry's other fields: a changed byte anywhere in a line, the last included, shows."""
        d = {k: getattr(self, k) for k in _LOG_FIELDS if k != "check"}  # asdict deep-copies: 5x slower
        return sha256(json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())

    def sealed(self) -> LogEntry:
        return replace(self, check=self.expected_check())

    def line(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _parse_log(raw: bytes) -> tuple[list[LogEntry], list[str]]:
    entries: list[LogEntry] = []
    problems: list[str] = []
    if raw and not raw.endswith(b"\n"):
        problems.append("the last line is incomplete (truncated log)")
    prev_line = b""
    for i, line in enumerate(raw.splitlines(keepends=True), 1):
        if not line.endswith(b"\n"):
            break
        try:
            d = json.loads(line)
            if not isinstance(d, dict) or set(d) != set(_LOG_FIELDS):
                raise ValueError("unexpected fields")
            e = LogEntry(**d)
        except (ValueError, TypeError) as exc:
            problems.append(f"line {i} is not a valid entry ({exc.__class__.__name__})")
            break
        if e.seq != i:
            problems.append(f"line {i} has seq {e.seq}")
            break
        if e.check != e.expected_check():
            problems.append(f"line {i}: its checksum does not match its fields (the line was changed)")
            break
        if e.prev != sha256(prev_line):
            problems.append(f"line {i}: the chain of previous-line hashes is broken (a line edited or removed)")
            break
        if entries and e.recorded_at <= entries[-1].recorded_at:
            problems.append(f"line {i}: recorded_at is not after the line before")
            break
        entries.append(e)
        prev_line = line
    return entries, problems


def check_entries(entries: list[LogEntry]) -> list[str]:
    """Check a log given as entries (a backend without log lines): seq, checksums, chain and order.

    Each entry's ``prev`` must be the sha256 of the previous entry's :meth:`LogEntry.line`, exactly as the folder's
    log file holds it. Returns the problems, at most one (checking stops at the first broken entry).
    """
    prev_line = b""
    last = None
    for i, e in enumerate(entries, 1):
        if e.seq != i:
            return [f"entry {i} has seq {e.seq}"]
        if e.check != e.expected_check():
            return [f"entry {i}: its checksum does not match its fields (the entry was changed)"]
        if e.prev != sha256(prev_line):
            return [f"entry {i}: the chain of previous-entry hashes is broken (an entry edited or removed)"]
        if last is not None and e.recorded_at <= last.recorded_at:
            return [f"entry {i}: recorded_at is not after the entry before"]
        prev_line, last = e.line(), e
    return []


def numbering_problems(entries: list[LogEntry]) -> tuple[int, list[str]]:
    """The number of dates in ``entries`` and, for each date whose versions are not numbered 1, 2, … in log
    order, a problem for :func:`~geo.store.verify.verify` (both backends check it the same way).
    """
    per_date: dict[str, list[LogEntry]] = {}
    for e in entries:
        per_date.setdefault(e.date, []).append(e)
    problems = [f"log: versions of {date} are not numbered 1..{len(es)}" for date, es in per_date.items()
                if [e.version for e in es] != list(range(1, len(es) + 1))]
    return per_date, problems


def _last_line(raw: bytes) -> bytes:
    if not raw:
        return b""
    lines = raw.splitlines(keepends=True)
    return lines[-1]

