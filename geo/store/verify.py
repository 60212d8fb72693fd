"""Verification: re-hash every version and check the log and the stored data against each other."""

from __future__ import annotations

from ..errors import CorruptStore
from .base import BaseStore, VerifyReport  # the folder store arrives as an argument: no import of it
from .log import _DATE_RE, _parse_log, numbering_problems, sha256
from .packs import OpenPack, agreement

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
    versions out of order, a missing or altered object, a pack whose bytes do not hash to its name (a changed byte
    anywhere in it: index, GeoJSON stream or binary forms), a version's binary form that is damaged or disagrees
    with its GeoJSON object (:func:`geo.store.packs.agreement`: same properties, and the same WKB as
    ``shapely.from_geojson`` of each geometry), a current file that matches no version (edited by hand) or lags
    behind with its object missing, a dated file with no recorded version.
    Notes (not problems): interrupted writes rolled forward, unreferenced packs or objects left by an interrupted
    import, versions without a binary form (an older store, whose reads parse the GeoJSON).
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
        per_date, numbering = numbering_problems(entries)
        report.dates = len(per_date)
        report.problems.extend(numbering)
        packs_dir = store.packs_dir(name)
        for f in sorted(packs_dir.glob("*.pack")) if packs_dir.is_dir() else []:
            try:
                OpenPack.of(f.stem, f.read_bytes())
            except CorruptStore as exc:
                report.problems.append(f"{f.name}: {exc}")
        referenced, checked, no_form = set(), set(), 0
        for e in entries:
            referenced.add(e.sha256)
            if e.sha256 in checked:
                continue
            checked.add(e.sha256)
            try:
                data = store.object_bytes(name, e.sha256)
                blob = store.shape_form(name, e.sha256)
            except CorruptStore as exc:
                report.problems.append(f"{e.date} version {e.version}: " + str(exc).split(": ", 1)[-1])
                continue
            if blob is None:
                no_form += 1
                continue
            why = agreement(e.sha256, data, blob)
            if why:
                report.problems.append(f"{e.date} version {e.version}: {why}")
        if no_form:
            report.notes.append(f"{no_form} version(s) have no binary form (stored before binary forms existed); "
                                "their reads parse the GeoJSON")
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
        for pack in sorted({p for ps in store.pack_map(name).values() for p in ps}):
            index = store._pack_heads.get(pack) or {"versions": []}
            if not any(v[0] in referenced for v in index["versions"]):
                report.notes.append(f"unreferenced pack {pack[:12]} (left by an interrupted import)")
        objdir = tdir / META / "objects"
        if objdir.is_dir():
            for f in sorted(objdir.glob("*/*.geojson")):
                if f.stem not in referenced:
                    report.notes.append(f"unreferenced object {f.stem[:12]} (left by an interrupted import)")
    return report


