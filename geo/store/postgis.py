"""I/O: the store in PostgreSQL with PostGIS, for a desk of editors writing at once (``--layers postgresql://…``).

Same interface and same promises as the folder (:class:`geo.store.BaseStore`): every version kept and immutable,
an append-only hash-chained log with the same fields, as-of reads, ``verify``. The log entries are numbered,
stamped and chained by the same code as the folder's (:meth:`~geo.store.BaseStore.record_many`) and a version's
canonical bytes are stored as they are, so its sha256 is the folder's and a theatre copied either way
(``frontline copy``) keeps every hash.

URL: ``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=NAME]`` (``postgres://`` too; any other query parameter
goes to libpq). The tables live in one PostgreSQL schema, ``frontline`` unless ``schema=`` names another (several
independent stores can share a database). The schema is created on first use when missing, so the first user needs
the right to create it; see ``docs/postgis.md`` for the roles of a desk.

Schema (``SCHEMA`` below is the DDL itself):

- ``theatres(name, toml, head_seq, head)``: a theatre, its settings text (the folder's ``theatre.toml``,
  verbatim) and the head of its log: the last entry's seq and the sha256 of its line, moved in the same
  transaction as every append, so that a removed last entry shows (as the folder's current file shows it);
- ``theatre_files(theatre, path, data)``: the files the settings name (region polygons, context layers), keyed by
  the same relative paths as in a folder;
- ``versions(theatre, sha256, data, shapes)``: every version's canonical bytes, content-addressed, and its binary
  form (:mod:`geo.store.packs`: properties and WKB, the same bytes as in a folder's packs; it checks itself), so
  that :meth:`~geo.store.BaseStore.shapes` reads geometries without parsing GeoJSON (schema 2; a store of schema 1
  gains the column on first use, and its older versions, with ``shapes`` NULL, read by parsing);
- ``log(theatre, seq, date, version, sha256, recorded_at, source, note, recorded_by, features, prev, "check")``:
  the folder's log lines as rows (``id`` is only a row key for the views);
- ``features(fid, theatre, sha256, idx, status, properties, geom)``: each version's features, with the geometry as
  PostGIS ``geometry(Geometry, 4326)`` (GiST-indexed), derived from the bytes when the version is first stored;
- views ``current_features`` (each date's latest version, as a map layer: ``gid``, theatre, date, version,
  status, properties, geom) and ``version_features`` (every version in the log, with its seq and recorded_at):
  what QGIS and other tools open directly;
- (schema 1 also had a ``result_cache`` table: the results cache has left the store, see :mod:`geo.results`.)

Triggers refuse UPDATE, DELETE and TRUNCATE on ``versions``, ``log`` and ``features``: versions are immutable and
the log append-only for every role short of one that drops the triggers (the chain and checksums then still show
an edited or removed entry to ``verify``).

Writing (:meth:`PgStore._writing`): one transaction that first takes ``SELECT … FOR UPDATE`` on the theatre's row,
so writers of one theatre queue (up to ``lock_timeout`` seconds, then LockTimeout, exit 75) and each sees the log
as the writer before left it: two editors importing the same date at once both land, as versions n and n+1.
Under that lock the time is the *server's* clock (one clock for every editor, whatever their machines say), moved
a microsecond past the last entry where needed. Versions, features and log rows are inserted in the same
transaction: the COMMIT is the commit point, and a crash or a lost connection before it leaves nothing. Readers
never wait: the log is append-only and versions never change, so plain reads are consistent.

Every version read is re-hashed, as in the folder: altered bytes raise CorruptStore instead of returning data.
psycopg (3) is imported here only: ``pip install 'frontline[postgis]'``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import (
    MISSING_RESOURCE,
    TEMPORARY,
    CorruptStore,
    FrontlineError,
    InvalidInput,
    LockTimeout,
    MissingResource,
    NotFound,
)
from ..theatre import Theatre, check_name, check_relative_path
from .base import DEFAULT_LOCK_TIMEOUT, BaseStore, LogEntry, VerifyReport, _Writer
from .log import check_entries, format_timestamp, numbering_problems, sha256
from .packs import agreement

#: Bump with any change to SCHEMA; a store at another version is refused rather than misread.
SCHEMA_VERSION = "2"
DEFAULT_SCHEMA = "frontline"
#: Features per version, at most (the views' row key is ``log id × this + feature index``).
MAX_FEATURES = 1_000_000
_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);

CREATE TABLE IF NOT EXISTS theatres (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    toml text NOT NULL,
    head_seq integer NOT NULL DEFAULT 0,
    head text NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS theatre_files (
    theatre text NOT NULL REFERENCES theatres (name),
    path text NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (theatre, path)
);

CREATE TABLE IF NOT EXISTS versions (
    theatre text NOT NULL REFERENCES theatres (name),
    sha256 char(64) NOT NULL,
    data bytea NOT NULL,
    shapes bytea,
    PRIMARY KEY (theatre, sha256)
);

CREATE TABLE IF NOT EXISTS log (
    id bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    theatre text NOT NULL REFERENCES theatres (name),
    seq integer NOT NULL CHECK (seq > 0),
    date date NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    sha256 char(64) NOT NULL,
    recorded_at timestamptz NOT NULL,
    source text NOT NULL,
    note text NOT NULL,
    recorded_by text NOT NULL,
    features integer NOT NULL,
    prev char(64) NOT NULL,
    "check" char(64) NOT NULL,
    PRIMARY KEY (theatre, seq),
    UNIQUE (theatre, date, version),
    FOREIGN KEY (theatre, sha256) REFERENCES versions (theatre, sha256)
);

CREATE TABLE IF NOT EXISTS features (
    fid bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    theatre text NOT NULL,
    sha256 char(64) NOT NULL,
    idx integer NOT NULL CHECK (idx >= 0 AND idx < 1000000),
    status text,
    properties jsonb NOT NULL,
    geom geometry(Geometry, 4326),
    UNIQUE (theatre, sha256, idx),
    FOREIGN KEY (theatre, sha256) REFERENCES versions (theatre, sha256)
);
CREATE INDEX IF NOT EXISTS features_geom_idx ON features USING gist (geom);

CREATE OR REPLACE FUNCTION frontline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'frontline: % on %.% refused: versions are immutable and the log is append-only',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME;
END $$;

CREATE OR REPLACE TRIGGER versions_append_only BEFORE UPDATE OR DELETE ON versions
    FOR EACH ROW EXECUTE FUNCTION frontline_append_only();
CREATE OR REPLACE TRIGGER versions_no_truncate BEFORE TRUNCATE ON versions
    FOR EACH STATEMENT EXECUTE FUNCTION frontline_append_only();
CREATE OR REPLACE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON log
    FOR EACH ROW EXECUTE FUNCTION frontline_append_only();
CREATE OR REPLACE TRIGGER log_no_truncate BEFORE TRUNCATE ON log
    FOR EACH STATEMENT EXECUTE FUNCTION frontline_append_only();
CREATE OR REPLACE TRIGGER features_append_only BEFORE UPDATE OR DELETE ON features
    FOR EACH ROW EXECUTE FUNCTION frontline_append_only();
CREATE OR REPLACE TRIGGER features_no_truncate BEFORE TRUNCATE ON features
    FOR EACH STATEMENT EXECUTE FUNCTION frontline_append_only();

CREATE OR REPLACE VIEW current_log AS
    SELECT DISTINCT ON (theatre, date) * FROM log ORDER BY theatre, date, version DESC;

CREATE OR REPLACE VIEW current_features AS
    SELECT l.id * 1000000 + f.idx AS gid, l.theatre, l.date, l.version, l.sha256, l.recorded_at, l.source,
           f.idx, f.status, f.properties, f.geom
    FROM current_log l JOIN features f ON f.theatre = l.theatre AND f.sha256 = l.sha256;

CREATE OR REPLACE VIEW version_features AS
    SELECT l.id * 1000000 + f.idx AS gid, l.theatre, l.seq, l.date, l.version, l.sha256, l.recorded_at,
           l.source, l.note, l.recorded_by, f.idx, f.status, f.properties, f.geom
    FROM log l JOIN features f ON f.theatre = l.theatre AND f.sha256 = l.sha256;
"""


class StoreUnavailable(FrontlineError):
    """The PostGIS store could not be reached (server down, wrong URL, refused login): try again."""

    exit_code = TEMPORARY


class StoreDenied(FrontlineError):
    """The database role lacks a privilege the command needs (a reader's role asked to write, say)."""

    exit_code = MISSING_RESOURCE


@contextlib.contextmanager
def _db_errors(where: str, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
    """Turn the database's refusals into frontline's errors (exit 75, 75, 3); anything else is a bug and shows."""
    psycopg = _psycopg()
    try:
        yield
    except psycopg.errors.LockNotAvailable:
        raise LockTimeout(f"{where}: another writer held the lock for {lock_timeout:g} s; try again") from None
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StoreDenied(f"{where}: the database refused: {' '.join(str(exc).split())}") from None
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"{where}: the store failed (nothing was committed): "
                               f"{' '.join(str(exc).split())}") from None


def _converting(method):
    """Run a PgStore method under :func:`_db_errors`."""
    import functools

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _db_errors(self.location, self.lock_timeout):
            return method(self, *args, **kwargs)

    return wrapper


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise MissingResource("a postgresql:// store needs psycopg: pip install 'frontline[postgis]'") from None
    return psycopg


def split_url(url: str) -> tuple[str, str, str]:
    """Split a store URL into ``(conninfo for libpq, schema, URL safe to print)``.

    Examples
    --------
    >>> split_url("postgresql://ed:secret@db:5432/desk?schema=desk2&sslmode=require")
    ('postgresql://ed:secret@db:5432/desk?sslmode=require', 'desk2', 'postgresql://ed@db:5432/desk?schema=desk2')
    >>> split_url("postgres://ed@db/desk")[1]
    'frontline'
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = DEFAULT_SCHEMA
    rest = []
    for k, v in query:
        if k == "schema":
            schema = v
        else:
            rest.append((k, v))
    if not _SCHEMA_RE.fullmatch(schema):
        raise InvalidInput(f"invalid schema {schema!r} in the store URL: use a-z, 0-9 and '_'")
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
    netloc = parts.netloc.rsplit("@", 1)
    shown_netloc = (netloc[0].split(":", 1)[0] + "@" + netloc[1]) if len(netloc) == 2 else parts.netloc
    shown_query = urlencode([("schema", schema)] if schema != DEFAULT_SCHEMA else [])
    shown = urlunsplit((parts.scheme, shown_netloc, parts.path, shown_query, ""))
    return conninfo, schema, shown


class PgStore(BaseStore):
    """A store in a PostgreSQL database with PostGIS. Connects on first use; one connection per instance.

    Not safe to share between threads or across ``fork``: open one per process (they are cheap).
    """

    def __init__(self, url: str, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.url = url
        self._conninfo, self.schema, self.location = split_url(url)
        self.lock_timeout = lock_timeout
        self._conn = None
        self._log_cache: dict[str, tuple[int, list[LogEntry]]] = {}
        self._theatre_cache: dict[str, tuple[str, Theatre]] = {}

    # ---- connection and schema --------------------------------------------------------------------------------
    @property
    def conn(self):
        if self._conn is None or self._conn.closed:
            psycopg = _psycopg()
            try:
                conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
            except psycopg.OperationalError as exc:
                msg = " ".join(str(exc).split())
                raise StoreUnavailable(f"cannot reach the store {self.location}: {msg}") from None
            self._ensure_schema(conn)
            conn.execute(f'SET search_path TO "{self.schema}", public')
            self._conn = conn
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _ensure_schema(self, conn) -> None:
        """Create the schema when missing (under an advisory lock, so concurrent first users do it once)."""
        psycopg = _psycopg()
        q = f'SELECT value FROM "{self.schema}".meta WHERE key = %s'
        try:
            row = conn.execute(q, ("schema_version",)).fetchone()
        except psycopg.errors.UndefinedTable:
            row = None
        if row is None:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"frontline-schema:{self.schema}",))
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(f'SET LOCAL search_path TO "{self.schema}", public')
                exists = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()[0]
                if not (exists and conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()):
                    conn.execute(SCHEMA)
                    conn.execute("INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT DO NOTHING",
                                 (SCHEMA_VERSION,))
            row = conn.execute(q, ("schema_version",)).fetchone()
        if row[0] == "1":  # schema 2 adds the binary forms' column; older rows keep NULL there
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"frontline-schema:{self.schema}",))
                conn.execute(f'ALTER TABLE "{self.schema}".versions ADD COLUMN IF NOT EXISTS shapes bytea')
                conn.execute(f'UPDATE "{self.schema}".meta SET value = %s WHERE key = %s',
                             (SCHEMA_VERSION, "schema_version"))
            row = conn.execute(q, ("schema_version",)).fetchone()
        if row[0] != SCHEMA_VERSION:
            raise CorruptStore(f"the store {self.location} has schema version {row[0]}; this frontline reads "
                               f"version {SCHEMA_VERSION}")

    # ---- theatres ---------------------------------------------------------------------------------------------
    @_converting
    def theatres(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM theatres ORDER BY name")]

    @_converting
    def init(self, theatre: Theatre, *, files: dict[str, bytes] | None = None, toml: str | None = None) -> None:
        psycopg = _psycopg()
        text = theatre.to_toml() if toml is None else toml
        try:
            with self.conn.transaction():
                self.conn.execute("INSERT INTO theatres (name, toml) VALUES (%s, %s)", (theatre.name, text))
                for rel, data in (files or {}).items():
                    self.conn.execute("INSERT INTO theatre_files (theatre, path, data) VALUES (%s, %s, %s)",
                                      (theatre.name, check_relative_path(rel, "context"), data))
        except psycopg.errors.UniqueViolation:
            raise InvalidInput(f"theatre {theatre.name!r} already exists in {self.location}") from None

    @_converting
    def theatre_toml(self, name: str) -> str:
        row = self.conn.execute("SELECT toml FROM theatres WHERE name = %s", (check_name(name),)).fetchone()
        if row is None:
            known = ", ".join(self.theatres()) or "none"
            raise NotFound(f"no theatre {name!r} in {self.location} (theatres: {known})")
        return row[0]

    def theatre(self, name: str) -> Theatre:
        text = self.theatre_toml(name)
        cached = self._theatre_cache.get(name)
        if cached and cached[0] == text:
            return cached[1]
        t = Theatre.from_toml(text, name)
        self._theatre_cache[name] = (text, t)
        return t

    @_converting
    def theatre_file(self, name: str, rel: str) -> bytes:
        row = self.conn.execute("SELECT data FROM theatre_files WHERE theatre = %s AND path = %s",
                                (check_name(name), check_relative_path(rel, "context"))).fetchone()
        if row is None:
            raise NotFound(f"{self.file_where(name, rel)}: file not found")
        return bytes(row[0])

    def file_where(self, name: str, rel: str) -> str:
        return f"{self.location}#{name}/{rel}"

    def update_settings(self, name: str, theatre: Theatre, files: dict[str, bytes] | None = None) -> None:
        with self._transaction(name):
            for rel, data in (files or {}).items():
                self.conn.execute(
                    "INSERT INTO theatre_files (theatre, path, data) VALUES (%s, %s, %s) "
                    "ON CONFLICT (theatre, path) DO UPDATE SET data = EXCLUDED.data",
                    (name, check_relative_path(rel, "context"), data))
            self.conn.execute("UPDATE theatres SET toml = %s WHERE name = %s", (theatre.to_toml(), name))

    # ---- the log ------------------------------------------------------------------------------------------------
    def _log_rows(self, name: str, cur=None) -> list[LogEntry]:
        rows = (cur or self.conn).execute(
            'SELECT seq, date, version, sha256, recorded_at, source, note, recorded_by, features, prev, "check" '
            "FROM log WHERE theatre = %s ORDER BY seq", (name,)).fetchall()
        return [_entry(r) for r in rows]

    def _head(self, name: str, conn=None) -> tuple[int, str]:
        row = (conn or self.conn).execute("SELECT head_seq, head FROM theatres WHERE name = %s", (name,)).fetchone()
        return (row[0], row[1]) if row else (0, "")

    @_converting
    def log(self, name: str) -> list[LogEntry]:
        self.theatre(name)  # NotFound for an unknown theatre
        head = self._head(name)
        cached = self._log_cache.get(name)
        if cached and cached[0] == head:  # append-only: the same head is the same log
            return cached[1]
        entries = self._log_rows(name)
        problems = _check_log(entries, head)
        if problems:
            raise CorruptStore(f"theatre {name!r}: the log is corrupt ({problems[0]}); run 'frontline verify {name}'")
        self._log_cache[name] = (head, entries)
        return entries

    @_converting
    def object_bytes(self, name: str, digest: str) -> bytes:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise CorruptStore(f"invalid object id {digest!r}")
        row = self.conn.execute("SELECT data FROM versions WHERE theatre = %s AND sha256 = %s",
                                (name, digest)).fetchone()
        if row is None:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is missing from the store; "
                               f"run 'frontline verify {name}'")
        data = bytes(row[0])
        if sha256(data) != digest:
            raise CorruptStore(f"theatre {name!r}: version {digest[:12]} is corrupted (its hash does not match); "
                               f"refusing to use it; run 'frontline verify {name}'")
        return data

    @_converting
    def shape_form(self, name: str, digest: str) -> bytes | None:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise CorruptStore(f"invalid object id {digest!r}")
        row = self.conn.execute("SELECT shapes FROM versions WHERE theatre = %s AND sha256 = %s",
                                (name, digest)).fetchone()
        return None if row is None or row[0] is None else bytes(row[0])

    # ---- writing ------------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _transaction(self, name: str):
        """A transaction holding the theatre's row lock (``SELECT … FOR UPDATE``): writers of a theatre queue."""
        with _db_errors(f"theatre {name!r} in {self.location}", self.lock_timeout):
            conn = self.conn
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'")
                row = conn.execute("SELECT name FROM theatres WHERE name = %s FOR UPDATE", (name,)).fetchone()
                if row is None:
                    raise NotFound(f"no theatre {name!r} in {self.location}")
                yield conn

    @contextlib.contextmanager
    def _writing(self, name: str):
        self.theatre(name)
        with self._transaction(name) as conn:
            entries = self._log_rows(name, conn)
            problems = _check_log(entries, self._head(name, conn))
            if problems:
                raise CorruptStore(f"theatre {name!r}: the log is corrupt ({problems[0]}); refusing to write; "
                                   f"run 'frontline verify {name}'")
            yield _PgWriter(self, conn, name, entries)
        self._log_cache.pop(name, None)

    # ---- verify ---------------------------------------------------------------------------------------------------
    @_converting
    def verify(self, name: str) -> VerifyReport:
        """Re-hash every version and check the log and the feature rows against the stored bytes.

        Problems: a log entry changed, removed or out of order (checksums and chain, as in the folder), versions
        of a date not numbered 1..n, a version missing or whose bytes do not hash to its id, a stored version that
        no log entry names (a removed log row), a version whose feature rows are missing or more than its
        features, a binary form that is damaged or disagrees with its GeoJSON (:func:`geo.store.packs.agreement`).
        Notes: versions without a binary form (stored before schema 2); nothing else (a transaction leaves
        nothing half-written, so there is nothing to roll forward).
        """
        report = VerifyReport(theatre=name)
        self.theatre(name)
        conn = self.conn
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for it all
            entries = self._log_rows(name, conn)
            report.problems.extend(f"log: {p}" for p in _check_log(entries, self._head(name, conn)))
            report.versions = len(entries)
            per_date, numbering = numbering_problems(entries)
            report.dates = len(per_date)
            report.problems.extend(numbering)
            wanted = {e.sha256: e for e in entries}
            seen, no_form = set(), 0
            nfeat = dict(conn.execute("SELECT sha256, count(*) FROM features WHERE theatre = %s GROUP BY sha256",
                                      (name,)).fetchall())
            with conn.cursor(name="frontline_verify") as cur:
                cur.execute("SELECT sha256, data, shapes FROM versions WHERE theatre = %s", (name,))
                for digest, data, blob in cur:
                    seen.add(digest)
                    e = wanted.get(digest)
                    if e is None:
                        report.problems.append(f"version {digest[:12]} is stored but no log entry names it "
                                               "(a log row removed?)")
                        continue
                    data = bytes(data)
                    if sha256(data) != digest:
                        report.problems.append(f"{e.date} version {e.version}: version {digest[:12]} is corrupted "
                                               "(its hash does not match)")
                        continue
                    n = len(json.loads(data).get("features", []))
                    if nfeat.get(digest, 0) != n:
                        report.problems.append(f"{e.date} version {e.version}: {nfeat.get(digest, 0)} feature "
                                               f"rows for {n} features")
                    if blob is None:
                        no_form += 1
                    elif why := agreement(digest, data, bytes(blob)):
                        report.problems.append(f"{e.date} version {e.version}: {why}")
            for digest, e in wanted.items():
                if digest not in seen:
                    report.problems.append(f"{e.date} version {e.version}: version {digest[:12]} is missing from "
                                           "the store")
            if no_form:
                report.notes.append(f"{no_form} version(s) have no binary form (stored before schema 2); their "
                                    "reads parse the GeoJSON")
        return report


class _PgWriter(_Writer):
    def __init__(self, store: PgStore, conn, name: str, entries: list[LogEntry]):
        self.store, self.conn, self.name, self.entries = store, conn, name, entries
        self.last_line = entries[-1].line() if entries else b""

    def now(self) -> dt.datetime:
        return self.conn.execute("SELECT clock_timestamp()").fetchone()[0].astimezone(dt.UTC)

    def commit(self, new: list[LogEntry], objects: dict[str, bytes], blobs: dict[str, bytes]) -> None:
        conn, name = self.conn, self.name
        with conn.cursor() as cur:
            for digest, data in objects.items():
                cur.execute("INSERT INTO versions (theatre, sha256, data, shapes) VALUES (%s, %s, %s, %s) "
                            "ON CONFLICT DO NOTHING RETURNING 1", (name, digest, data, blobs[digest]))
                if cur.fetchone() is None:
                    continue  # stored before, with its features
                rows = []
                for i, f in enumerate(json.loads(data).get("features", [])):
                    if i >= MAX_FEATURES:
                        raise InvalidInput(f"a layer of more than {MAX_FEATURES} features cannot go in PostGIS")
                    props = f.get("properties") or {}
                    g = f.get("geometry")
                    rows.append((name, digest, i, _status(props), json.dumps(props, ensure_ascii=False),
                                 json.dumps(g) if g else None))
                cur.executemany(
                    "INSERT INTO features (theatre, sha256, idx, status, properties, geom) VALUES "
                    "(%s, %s, %s, %s, %s::jsonb, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326))", rows)
            cur.executemany(
                'INSERT INTO log (theatre, seq, date, version, sha256, recorded_at, source, note, recorded_by, '
                'features, prev, "check") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)',
                [(name, e.seq, dt.date.fromisoformat(e.date), e.version, e.sha256,
                  dt.datetime.fromisoformat(e.recorded_at.replace("Z", "+00:00")), e.source, e.note,
                  e.recorded_by, e.features, e.prev, e.check) for e in new])
            cur.execute("UPDATE theatres SET head_seq = %s, head = %s WHERE name = %s",
                        (new[-1].seq, sha256(new[-1].line()), name))


def _check_log(entries: list[LogEntry], head: tuple[int, str]) -> list[str]:
    problems = check_entries(entries)
    if problems:
        return problems
    last_seq = entries[-1].seq if entries else 0
    last = sha256(entries[-1].line()) if entries else ""
    if (last_seq, last) != head:
        return [f"the log ends at entry {last_seq} but the theatre's head names entry {head[0]} "
                "(entries removed or changed?)"]
    return []


def _status(props: dict):
    s = props.get("status")
    return s if isinstance(s, str) else None


def _entry(r) -> LogEntry:
    seq, date, version, digest, recorded_at, source, note, recorded_by, features, prev, check = r
    return LogEntry(seq=seq, date=date.isoformat(), version=version, sha256=digest,
                    recorded_at=format_timestamp(recorded_at), source=source, note=note, recorded_by=recorded_by,
                    features=features, prev=prev, check=check)
