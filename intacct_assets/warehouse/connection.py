"""Opening the DuckDB warehouse: one writer at a time across every process.

DuckDB allows a single read-write process per database file, so every run takes an
inter-process file lock for the (short) time it holds a connection. Parsing and downloading
happen outside the lock; only merges, ledgers and checks run inside it. Remote databases
(MotherDuck ``md:`` paths) need no lock.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import psutil
from filelock import FileLock, Timeout

from intacct_assets.warehouse.layout import ensure_layout
from intacct_assets.warehouse.sql import string_literal

DEFAULT_DUCKDB_PATH = "data/intacct.duckdb"
_CONFIGURED_LIMIT = "intacct_memory_limit"  # the memory limit a connection was opened with (unset: DuckDB's)
_SIZE_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")  # as current_setting('memory_limit') shows sizes
_SIZE = re.compile(rf"([0-9.]+) ?({'|'.join(_SIZE_UNITS)})")


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse lock for longer than the configured timeout."""


@dataclass(frozen=True)
class Warehouse:
    """The DuckDB file every asset writes to, with the settings each connection gets."""

    path: str = DEFAULT_DUCKDB_PATH
    lock_timeout_seconds: float = 900.0
    memory_limit: str | None = None  # None: DuckDB's default (80% of RAM)
    threads: int | None = None

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(
            path=os.environ.get("INTACCT_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH,
            memory_limit=os.environ.get("INTACCT_DUCKDB_MEMORY_LIMIT") or None,
        )

    @property
    def is_local_file(self) -> bool:
        return not (self.path.startswith("md:") or self.path.startswith("motherduck:") or self.path == ":memory:")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection held under the warehouse lock; closed (and the lock released) on exit."""
        with writer_lock(self), self._open() as connection:
            yield connection

    @contextmanager
    def _open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        config: dict[str, str] = {"preserve_insertion_order": "false"}
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
        if self.threads:
            config["threads"] = str(self.threads)
        if self.is_local_file:
            config["temp_directory"] = f"{self.path}.tmp"  # where DuckDB spills (not the working directory)
            opened = _attached(self.path, config)
        else:
            opened = _closing(duckdb.connect(self.path, config=config))
        with opened as connection:
            if self.memory_limit:  # for memory_limit_lowered, to set it back exactly
                connection.execute(f"SET VARIABLE {_CONFIGURED_LIMIT} = ?", [self.memory_limit]).fetchall()
            ensure_layout(connection, self.path)
            yield connection


@contextmanager
def _closing(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    try:
        yield connection
    finally:
        connection.close()


class _Host:
    """A process's in-memory DuckDB instance for one local warehouse file and configuration, kept between
    connections: starting an instance costs ~15 ms of CPU, attaching a file ~1 ms. The file is attached while
    connections use it and detached (checkpointed, its OS lock released for other processes) after the last.

    DuckDB's allocator keeps what it freed until the instance closes: after heavy work (the process grew by more
    than ``KEEP_AFTER_GROWTH`` while attached) the instance is closed, as before, so a big load's memory is not
    held next to the next file's parsing; background threads return lighter work's memory within seconds."""

    KEEP_AFTER_GROWTH = 64 * 2**20

    def __init__(self, config: dict[str, str]) -> None:
        self.instance = duckdb.connect(config={**config, "allocator_background_threads": "true"})
        self.users = 0
        self.rss_when_attached = 0

    def grew_heavily(self) -> bool:
        return _rss() - self.rss_when_attached > self.KEEP_AFTER_GROWTH


def _rss() -> int:
    return psutil.Process().memory_info().rss


_HOSTS: dict[tuple, _Host] = {}
_HOSTS_LOCK = threading.Lock()


@contextmanager
def _attached(path: str, config: dict[str, str]) -> Iterator[duckdb.DuckDBPyConnection]:
    # keyed by process too: a forked child must not use its parent's instance
    key = (os.getpid(), path, tuple(sorted(config.items())))
    with _HOSTS_LOCK:
        host = _HOSTS.get(key) or _HOSTS.setdefault(key, _Host(config))
        if not host.users:
            # Attached under a fixed name: a file called api.duckdb or dds.duckdb would otherwise make its
            # catalog name clash with our schema names ("Ambiguous reference to catalog or schema").
            _on_host(key, host, lambda: host.instance.execute("ATTACH ? AS intacct_warehouse", [path]).fetchall())
            host.rss_when_attached = _rss()
        host.users += 1
    connection = host.instance.cursor()
    try:
        connection.execute("USE intacct_warehouse").fetchall()
        yield connection
    except duckdb.FatalException:  # the instance is invalidated: the next connection starts a new one
        with _HOSTS_LOCK:
            _HOSTS.pop(key, None)
        raise
    finally:
        connection.close()
        with _HOSTS_LOCK:
            host.users -= 1
            if not host.users and _HOSTS.get(key) is host and not host.grew_heavily():
                _on_host(key, host, lambda: host.instance.execute("DETACH intacct_warehouse").fetchall())
            elif not host.users:  # after heavy work, or dropped after a fatal error: closing releases it all
                if _HOSTS.get(key) is host:
                    del _HOSTS[key]
                host.instance.close()


def _on_host(key: tuple, host: _Host, step: Callable[[], object]) -> None:
    """Attach or detach; an instance that failed to is dropped (closed), so the next connection starts afresh."""
    try:
        step()
    except duckdb.Error:
        _HOSTS.pop(key, None)
        host.instance.close()
        raise


@contextmanager
def writer_lock(warehouse: Warehouse) -> Iterator[FileLock | None]:
    """The inter-process writer lock of a local warehouse file (``<file>.lock``), held for the block; None for a
    remote database, which needs none."""
    if not warehouse.is_local_file:
        yield None
        return
    Path(warehouse.path).parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(f"{warehouse.path}.lock")
    try:
        lock.acquire(timeout=warehouse.lock_timeout_seconds)
    except Timeout as error:
        raise WarehouseBusyError(
            f"the warehouse {warehouse.path} stayed locked for {warehouse.lock_timeout_seconds:.0f}s; "
            "another run (or a DuckDB UI/CLI session) is holding it"
        ) from error
    try:
        yield lock
    finally:
        lock.release()


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, rolled back on any exception so a failure leaves the previous state."""
    run(connection, "BEGIN TRANSACTION")
    try:
        yield connection
    except BaseException:
        run(connection, "ROLLBACK")
        raise
    run(connection, "COMMIT")


def run(connection: duckdb.DuckDBPyConnection, sql: str, params: object = None) -> list[tuple]:
    """Execute and fetch every row: DuckDB 2 refuses new work while a result is still open."""
    return connection.execute(sql, params).fetchall() if params is not None else connection.execute(sql).fetchall()


@contextmanager
def memory_limit_lowered(connection: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """DuckDB's memory limit lowered to ``limit`` (e.g. ``512MiB``) for a while, then set back exactly as the
    connection was opened; a limit that is already lower (or unreadable) stays."""
    shown = run(connection, "SELECT current_setting('memory_limit')")[0][0]  # e.g. '18.8 GiB'
    current, lowered = _size_bytes(shown), _size_bytes(limit)
    if current is None or lowered is None or current <= lowered:
        yield
        return
    configured = run(connection, f"SELECT getvariable('{_CONFIGURED_LIMIT}')")[0][0]
    restore = f"SET memory_limit = {string_literal(configured)}" if configured else "RESET memory_limit"
    run(connection, f"SET memory_limit = {string_literal(limit)}")
    with undone_after(lambda: run(connection, restore)):
        yield


@contextmanager
def threads_lowered(connection: duckdb.DuckDBPyConnection, threads: int) -> Iterator[None]:
    """DuckDB's worker threads lowered to ``threads`` for a while, then set back; fewer already stay."""
    current = run(connection, "SELECT current_setting('threads')")[0][0]
    if current <= threads:
        yield
        return
    run(connection, f"SET threads = {int(threads)}")
    with undone_after(lambda: run(connection, f"SET threads = {int(current)}")):
        yield


@contextmanager
def undone_after(undo: Callable[[], object]) -> Iterator[None]:
    """Run ``undo`` after the block. When the block failed, DuckDB may refuse ``undo`` (an aborted transaction
    takes nothing but ROLLBACK): that refusal must not replace the error that failed the block."""
    try:
        yield
    except BaseException:
        with suppress(duckdb.Error):
            undo()
        raise
    undo()


@contextmanager
def registered(connection: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` readable as the view ``name`` inside the block (zero-copy through Arrow)."""
    connection.register(name, frame.to_arrow(compat_level=pl.CompatLevel.newest()))
    with undone_after(lambda: connection.unregister(name)):
        yield


@contextmanager
def scanned(name: str, frame: pl.DataFrame) -> Iterator[None]:
    """``frame`` readable as ``name`` inside the block (zero-copy through Arrow) by statements sent through ``run``,
    for work inside a long transaction.

    DuckDB's replacement scan finds it among this module's globals, which are those of ``run``, the frame that
    calls ``execute``. Unlike ``registered`` it leaves no catalog entry: a transaction keeps every view it
    dropped, with its Arrow data, until it ends, so a file merged batch by batch in one transaction would hold
    every batch it had merged (+350 MB a million rows).
    """
    if name in globals():
        raise RuntimeError(f"{name} is already bound: scanned blocks of one name cannot overlap")
    globals()[name] = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    try:
        yield
    finally:
        del globals()[name]


def _size_bytes(text: str) -> float | None:
    """``'18.8 GiB'`` or ``'512MiB'`` in bytes; None for anything else."""
    match = _SIZE.fullmatch(text.strip())
    return float(match[1]) * 1024 ** _SIZE_UNITS.index(match[2]) if match else None
