"""Copying a theatre with its whole history between stores (folder or PostGIS, either way)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InvalidInput
from ..theatre import Theatre
from .base import BaseStore


# ---- copy between stores -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CopyResult:
    theatre: str
    created: bool
    appended: int
    total: int
    settings_differ: bool = False


def copy_theatre(src: BaseStore, dest: BaseStore, name: str, *, batch: int = 64) -> CopyResult:
    """Copy theatre ``name`` with its whole history from ``src`` to ``dest`` (folder or PostGIS, either way).

    A theatre absent from ``dest`` is created with the source's settings text and the files it names, byte for
    byte. Then the log entries ``dest`` lacks are appended verbatim (:meth:`BaseStore.append_entries`: same seq,
    version, sha256, recorded_at, source, note, recorded_by, prev and check), each with its version's bytes,
    re-hashed on reading. ``dest`` must hold a prefix of the source's log: a copy is incremental (run it again
    after new imports and only the new entries move), and a destination whose history differs is refused
    (InvalidInput) with nothing written. Entries go in commits of ``batch``: an interrupted copy leaves a valid
    prefix and the next run goes on from there. Settings of an existing theatre are left alone
    (``settings_differ`` says whether they differ from the source's).
    """
    src_log = src.log(name)
    toml = src.theatre_toml(name)
    created = False
    if name not in dest.theatres():
        dest.init(Theatre.from_toml(toml, name), files=src.theatre_files(name), toml=toml)
        created = True
    have = dest.log(name)
    if have != src_log[:len(have)]:
        first = next((i for i, (a, b) in enumerate(zip(have, src_log, strict=False)) if a != b), len(src_log))
        raise InvalidInput(f"theatre {name!r}: the destination's history differs from the source's from entry "
                           f"{first + 1} on ({len(have)} entries there, {len(src_log)} here); nothing copied")
    rest = src_log[len(have):]
    for i in range(0, len(rest), batch):
        chunk = rest[i:i + batch]
        objects = {e.sha256: src.object_bytes(name, e.sha256) for e in chunk}
        dest.append_entries(name, chunk, objects)
    differ = not created and dest.theatre_toml(name) != toml
    return CopyResult(name, created, len(rest), len(src_log), differ)

