"""Verification: re-hash every version and check the log and the stored data against each other."""

from __future__ import annotations

from ..errors import CorruptStore
from .base import BaseStore, LogEntry, VerifyReport  # the folder store arrives as an argument: no import of it
from .log import _DATE_RE, _parse_log, sha256

META = ".frontline"


def verify(store: BaseStore, name: str) -> VerifyReport:
    """Re-hash every version and check the log against the stored data (``store.verify``), either backend.

    Problems (``report.ok`` is False; the CLI exits 1): an unreadable or broken log, a missing or altered version,
    and what is particular to the backend (see :func:`_verify_folder` and ``PgStore.verify``).
    """
    return store.verify(name)


def _verify_folder(store, name: str) -> VerifyReport:
    """Re-hash every version and check the log, the objects and the current files against each other.

    Problems (``report.ok`` is False; the CLI exits 1): an unreadable or truncated log, a broken ``prev`` chain,
    versions out of order, a missing or altered object, a current file that matches no version (edited by
    hand) or lags behind with its object missing, a dated file with no recorded version.
    Notes (not problems): interrupted writes rolled forward, unreferenced objects left by an interrupted import.
    """
    report = VerifyReport(theatre=name)
    store.theatre(name)
    tdir = store.theatre_dir(name)
    with store.lock(name):
        log_path = store._log_path(name)
        raw = log_path.read_bytes() if log_path.exists() else b""
        entries, problems = _parse_log(raw)
        report.problems.extend(f"log: {p}" for p in problems)
        if not problems:
            report.notes.extend(store.recover(name))
        report.versions = len(entries)
        per_date: dict[str, list[LogEntry]] = {}
        for e in entries:
            per_date.setdefault(e.date, []).append(e)
        report.dates = len(per_date)
        for date, es in per_date.items():
            if [e.version for e in es] != list(range(1, len(es) + 1)):
                report.problems.append(f"log: versions of {date} are not numbered 1..{len(es)}")
        referenced = set()
        for e in entries:
            referenced.add(e.sha256)
            try:
                store.object_bytes(name, e.sha256)
            except CorruptStore as exc:
                report.problems.append(f"{e.date} version {e.version}: " + str(exc).split(": ", 1)[-1])
        for date, es in per_date.items():
            cur = tdir / f"{date}.geojson"
            try:
                have = sha256(cur.read_bytes())
            except FileNotFoundError:
                report.problems.append(f"{date}: the current file {cur.name} is missing")
                continue
            if have != es[-1].sha256:
                if have in {e.sha256 for e in es}:
                    report.problems.append(f"{date}: the current file holds an older version, and the latest "
                                           "could not be restored")
                else:
                    report.problems.append(f"{date}: the current file {cur.name} matches no recorded version "
                                           "(edited by hand?)")
        for f in sorted(tdir.glob("*.geojson")):
            if _DATE_RE.fullmatch(f.stem) and f.stem not in per_date:
                report.problems.append(f"{f.name}: a dated file with no recorded version")
        objdir = tdir / META / "objects"
        if objdir.is_dir():
            for f in sorted(objdir.glob("*/*.geojson")):
                if f.stem not in referenced:
                    report.notes.append(f"unreferenced object {f.stem[:12]} (left by an interrupted import)")
    return report


