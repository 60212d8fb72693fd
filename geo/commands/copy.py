"""``frontline copy SRC DEST [THEATRE...]``: move theatres with their whole history between two stores."""

from __future__ import annotations

import click

from ._common import THEATRE, emit_json


@click.command("copy")
@click.argument("src", metavar="SRC")
@click.argument("dest", metavar="DEST")
@click.argument("theatres", nargs=-1, type=THEATRE)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def command(src, dest, theatres, as_json):
    """Copy THEATRE (default: every theatre of SRC) from store SRC to store DEST, history and all.

    SRC and DEST are folders or postgresql:// URLs (push: folder to PostGIS; pull: PostGIS to folder). Every log
    entry moves as it is (seq, version, sha256, recorded_at, source, note, recorded_by), so the hashes are
    equal on both sides. Incremental: DEST must hold a prefix of SRC's history, and only the missing entries
    move; a DEST whose history differs is refused (exit 2) with nothing written.
    """
    from ..errors import NotFound
    from ..store import copy_theatre, open_store

    source, target = open_store(src), open_store(dest)
    names = theatres or source.theatres()
    if not names:
        raise NotFound(f"no theatre to copy in {source.location}")
    results = [copy_theatre(source, target, n) for n in names]
    if as_json:
        emit_json("copy/v1", {"src": source.location, "dest": target.location,
                              "theatres": [{"theatre": r.theatre, "created": r.created, "appended": r.appended,
                                            "entries": r.total, "settings_differ": r.settings_differ}
                                           for r in results]})
        return
    for r in results:
        how = "created" if r.created else "existing"
        click.echo(f"{r.theatre}: {r.appended} of {r.total} log entries copied to {target.location} ({how})")
        if r.settings_differ:
            click.echo(f"  note: {r.theatre}'s settings differ between the stores; left as they were in "
                       f"{target.location}")
