"""Opening the DuckDB warehouse: one writer at a time across every process.

DuckDB allows a single read-write process per database file, so every run takes an
inter-process file lock for the (short) time it holds a connection. Parsing and downloading
happen outside the lock; only merges, ledgers and checks run inside it. Remote databases
(MotherDuck ``md:`` paths) need no lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

DEFAULT_DUCKDB_PATH = "data/intacct.duckdb"
# DuckDB's own default is 80% of RAM, most of it spent caching the blocks a big load has just written:
# a fixed budget keeps a run's memory bounded by its batch, not by the table (DuckDB spills beyond it).
DEFAULT_MEMORY_LIMIT = "512MB"


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse lock for longer than the configured timeout."""


@dataclass(frozen=True)
class Warehouse:
    """The DuckDB file every asset writes to, with the settings each connection gets."""

    path: str = DEFAULT_DUCKDB_PATH
    lock_timeout_seconds: float = 900.0
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT
    threads: int | None = None

    @classmethod
    def from_env(cls) -> Warehouse:
        return cls(path=os.environ.get("INTACCT_DUCKDB_PATH") or DEFAULT_DUCKDB_PATH,
                   memory_limit=os.environ.get("INTACCT_DUCKDB_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT)

    @property
    def is_local_file(self) -> bool:
        return not (self.path.startswith("md:") or self.path.startswith("motherduck:") or self.path == ":memory:")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection held under the warehouse lock; closed (and the lock released) on exit."""
        if not self.is_local_file:
            with self._open() as connection:
                yield connection
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(f"{self.path}.lock")
        try:
            lock.acquire(timeout=self.lock_timeout_seconds)
        except Timeout as error:
            raise WarehouseBusyError(
                f"the warehouse {self.path} stayed locked for {self.lock_timeout_seconds:.0f}s; "
                "another run (or a DuckDB UI/CLI session) is holding it"
            ) from error
        try:
            with self._open() as connection:
                yield connection
        finally:
            lock.release()

    @contextmanager
    def _open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        config: dict[str, str] = {"preserve_insertion_order": "false"}
        if self.memory_limit:
            config["memory_limit"] = self.memory_limit
        if self.threads:
            config["threads"] = str(self.threads)
        if self.is_local_file:
            config["temp_directory"] = f"{self.path}.tmp"  # where DuckDB spills (not the working directory)
            # Attached under a fixed name: a file called api.duckdb or dds.duckdb would otherwise make
            # its catalog name clash with our schema names ("Ambiguous reference to catalog or schema").
            connection = duckdb.connect(config=config)
            connection.execute("ATTACH ? AS intacct_warehouse", [self.path]).fetchall()
            connection.execute("USE intacct_warehouse").fetchall()
        else:
            connection = duckdb.connect(self.path, config=config)
        try:
            yield connection
        finally:
            connection.close()


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
