"""The warehouse file itself: any name works, and the writer lock serializes processes."""

import subprocess
import sys
import textwrap

import pytest

from intacct_assets.warehouse.connection import Warehouse, run, transaction


@pytest.mark.parametrize("name", ["api.duckdb", "dds.duckdb", "intacct_meta.duckdb", "odd name's.duckdb"])
def test_a_file_named_like_a_schema_still_works(tmp_path, name):
    warehouse = Warehouse(str(tmp_path / name))
    with warehouse.connect() as connection, transaction(connection):
        run(connection, "CREATE SCHEMA IF NOT EXISTS api")
        run(connection, "CREATE TABLE api.customer AS SELECT 1 AS key")
    with warehouse.connect() as connection:
        assert run(connection, "SELECT key FROM api.customer") == [(1,)]


def test_processes_wait_for_the_writer_lock_instead_of_failing(tmp_path):
    path = str(tmp_path / "shared.duckdb")
    writer = textwrap.dedent(f"""
        import sys
        from intacct_assets.warehouse.connection import Warehouse, run, transaction
        for n in range(20):
            with Warehouse({path!r}).connect() as connection, transaction(connection):
                run(connection, "CREATE TABLE IF NOT EXISTS t (writer INTEGER, n INTEGER)")
                run(connection, "INSERT INTO t VALUES (?, ?)", [int(sys.argv[1]), n])
    """)
    processes = [subprocess.Popen([sys.executable, "-c", writer, str(w)]) for w in range(3)]
    assert [p.wait(timeout=120) for p in processes] == [0, 0, 0]
    with Warehouse(path).connect() as connection:
        assert run(connection, "SELECT count(*), count(DISTINCT writer) FROM t") == [(60, 3)]


def test_the_memory_limit_is_configurable_and_duckdb_spills_next_to_the_file(tmp_path, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("INTACCT_DUCKDB_PATH", str(path))
    monkeypatch.setenv("INTACCT_DUCKDB_MEMORY_LIMIT", "2GB")
    settings = "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    with Warehouse.from_env().connect() as connection:
        assert run(connection, settings)[0] == ("1.8 GiB", f"{path}.tmp")


def test_connections_share_one_duckdb_instance_and_release_the_file_between_them(tmp_path):
    """Starting DuckDB costs ~15 ms of CPU a connection: the process keeps its instance, yet the file is detached
    (its lock released) after each use, so another process can write to it."""
    warehouse = Warehouse(str(tmp_path / "w.duckdb"))
    with warehouse.connect() as connection:
        run(connection, "CREATE TABLE memory.main.marker AS SELECT 1 AS kept")  # in the instance, not the file
        run(connection, "CREATE TABLE intacct_meta.written (n INTEGER)")
    script = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('INSERT INTO intacct_meta.written VALUES (7)')"
    )
    subprocess.run([sys.executable, "-c", script, warehouse.path], check=True)
    with warehouse.connect() as connection:
        assert run(connection, "SELECT kept FROM memory.main.marker") == [(1,)]
        assert run(connection, "SELECT n FROM intacct_meta.written") == [(7,)]
    other = Warehouse(str(tmp_path / "other.duckdb"))
    with other.connect() as connection:  # another file is another instance: nothing of the first is there
        assert not run(connection, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'marker'")


def test_after_heavy_work_the_instance_is_closed_and_its_memory_returned(tmp_path):
    """DuckDB's allocator keeps freed memory until its instance closes: a connection that grew the process by more
    than 64 MiB does not leave its instance (and that memory) behind for the next file's parsing."""
    warehouse = Warehouse(str(tmp_path / "w.duckdb"))
    with warehouse.connect() as connection:
        run(
            connection,
            "CREATE TABLE memory.main.big AS SELECT range AS n, repeat('x', 200) AS text FROM range(2000000)",
        )
    with warehouse.connect() as connection:
        assert not run(connection, "SELECT 1 FROM duckdb_tables() WHERE table_name = 'big'")
