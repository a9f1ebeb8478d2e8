"""Newest-wins merge semantics on frames (the DDS and API paths share this code)."""

import tempfile
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intacct_assets.warehouse.connection import Warehouse, run, transaction
from intacct_assets.warehouse.merge import (
    BatchOrigin,
    MergeCounts,
    TargetTable,
    Tombstone,
    merge_batch,
    tombstone_absent,
)
from intacct_assets.warehouse.sql import UnsafeIdentifierError

TARGET = TargetTable("dds", "thing", ("RECORDNO",), {"RECORDNO": "string", "NAME": "string", "AMOUNT": "decimal"})
NOW = datetime(2026, 11, 2)


def batch(rows, extra_columns=()):
    """rows: (recordno, name, modified hour, deleted[, extras...])."""
    data = {
        "RECORDNO": [r[0] for r in rows],
        "NAME": [r[1] for r in rows],
        "_intacct_modified": [datetime(2026, 11, 1, r[2]) for r in rows],
        "_intacct_read": [None for _ in rows],
        "_intacct_position": list(range(len(rows))),
        "_intacct_deleted": [r[3] for r in rows],
    }
    for index, column in enumerate(extra_columns):
        data[column] = [r[4 + index] for r in rows]
    return pl.DataFrame(data, schema_overrides={"_intacct_read": pl.Datetime("us")})


def merge(warehouse, frame, source="f1", snapshot=None, floor=None, target=TARGET):
    with warehouse.connect() as connection, transaction(connection):
        return merge_batch(connection, target, frame, BatchOrigin(source, datetime(2026, 11, 1), snapshot), NOW, floor)


def table(warehouse, columns="RECORDNO, NAME, _intacct_deleted", order="ORDER BY RECORDNO"):
    with warehouse.connect() as connection:
        return run(connection, f"SELECT {columns} FROM dds.thing {order}")


def test_newest_version_wins_and_replays_change_nothing(warehouse):
    counts = merge(warehouse, batch([("1", "a", 5, False), ("2", "b", 5, False)]))
    assert (counts.inserted, counts.updated) == (2, 0)
    counts = merge(warehouse, batch([("1", "old", 4, False), ("2", "new", 6, False)]), source="f2")
    assert (counts.updated, counts.unchanged) == (1, 1)
    assert table(warehouse) == [("1", "a", False), ("2", "new", False)]
    counts = merge(warehouse, batch([("1", "old", 4, False), ("2", "new", 6, False)]), source="f2")
    assert (counts.inserted, counts.updated, counts.deleted, counts.unchanged) == (0, 0, 0, 2)


def test_tombstone_keeps_last_live_values_in_any_order(warehouse, tmp_path):
    from intacct_assets.warehouse.connection import Warehouse

    live, delete = batch([("1", "alive", 5, False)]), batch([("1", None, 7, True)])
    merge(warehouse, live, "live")
    counts = merge(warehouse, delete, "delete")
    assert counts.deleted == 1
    other = Warehouse(str(tmp_path / "other.duckdb"))
    merge(other, delete, "delete")
    merge(other, live, "live")
    assert table(warehouse) == table(other) == [("1", "alive", True)]


def test_newer_live_version_undeletes(warehouse):
    merge(warehouse, batch([("1", "a", 5, False)]))
    merge(warehouse, batch([("1", None, 6, True)]), "d")
    counts = merge(warehouse, batch([("1", "back", 7, False)]), "u")
    assert counts.updated == 1 and table(warehouse) == [("1", "back", False)]


def test_duplicates_within_a_batch_take_the_newest(warehouse):
    merge(warehouse, batch([("1", "v1", 5, False), ("1", "v3", 7, False), ("1", "v2", 6, False)]))
    assert table(warehouse) == [("1", "v3", False)]


def test_schema_drift_adds_columns_and_keeps_vanished_ones(warehouse):
    merge(warehouse, batch([("1", "a", 5, False, "x")], ["CUSTOMFIELD"]))
    merge(warehouse, batch([("2", "b", 5, False, "y", 3)], ["NEWFIELD", "ANOTHER"]), "f2")
    merge(warehouse, batch([("1", "a2", 6, False)]), "f3")
    rows = table(warehouse, "RECORDNO, NAME, CUSTOMFIELD, NEWFIELD, ANOTHER")
    assert rows == [("1", "a2", None, None, None), ("2", "b", None, "y", "3")]


def test_floor_turns_unseen_old_keys_into_tombstones(warehouse):
    floor = Tombstone(moment=datetime(2026, 11, 1, 6), source="SNAP")
    counts = merge(warehouse, batch([("1", "gone", 5, False), ("2", "new", 7, False)]), floor=floor)
    assert (counts.inserted, counts.deleted) == (1, 1)
    assert table(warehouse, "RECORDNO, NAME, _intacct_deleted, _intacct_source") == [
        ("1", "gone", True, "SNAP"),
        ("2", "new", False, "f1"),
    ]


def test_tombstone_absent_respects_snapshot_membership_and_newer_versions(warehouse):
    merge(warehouse, batch([("1", "in snapshot", 5, False)]), "all", snapshot="20261101T060000|S")
    merge(warehouse, batch([("2", "missing", 5, False), ("3", "created later", 9, False)]), "change")
    with warehouse.connect() as connection, transaction(connection):
        deleted = tombstone_absent(
            connection, TARGET, "20261101T060000|S", Tombstone(datetime(2026, 11, 1, 6), "S"), NOW
        )
    assert deleted == 1
    assert table(warehouse) == [("1", "in snapshot", False), ("2", "missing", True), ("3", "created later", False)]


def test_composite_keys_with_empty_parts(warehouse):
    target = TargetTable("dds", "thing", ("ACCOUNT", "DEPT"), {"ACCOUNT": "string", "DEPT": "string"})
    frame = pl.DataFrame(
        {
            "ACCOUNT": ["4000", "4000"],
            "DEPT": [None, "10"],
            "NAME": ["a", "b"],
            "_intacct_modified": [datetime(2026, 1, 1)] * 2,
            "_intacct_read": [None, None],
            "_intacct_position": [0, 1],
            "_intacct_deleted": [False, False],
        },
        schema_overrides={"_intacct_read": pl.Datetime("us")},
    )
    merge(warehouse, frame, target=target)
    counts = merge(
        warehouse, frame.with_columns(pl.lit(datetime(2026, 2, 1)).alias("_intacct_modified")), "f2", target=target
    )
    assert counts.updated == 2
    assert table(warehouse, "count(*)", order="") == [(2,)]


@pytest.mark.parametrize("hostile", ['x"; DROP TABLE dds.thing; --', "a'b", "Ünïcode name", "select"])
def test_hostile_column_names_are_quoted(warehouse, hostile):
    merge(warehouse, batch([("1", "a", 5, False, "v")], [hostile]))
    assert table(warehouse, f'"{hostile.replace(chr(34), chr(34) * 2)}"') == [("v",)]


events = st.lists(
    st.tuples(st.sampled_from("ABC"), st.integers(0, 5), st.booleans(), st.sampled_from(["x", "y"])),
    min_size=1,
    max_size=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(batches=st.lists(events, min_size=1, max_size=5), data=st.data())
def test_merge_is_order_and_repetition_independent_and_matches_a_model(batches, data):
    """Any order and repetition of batches gives the table a reference model predicts."""
    origins = [BatchOrigin(f"file{n}", datetime(2026, 11, 1), None) for n in range(len(batches))]
    frames = [batch([(key, name, hour, deleted) for key, hour, deleted, name in rows]) for rows in batches]
    order = data.draw(st.permutations(range(len(batches))))
    order += data.draw(st.lists(st.sampled_from(range(len(batches))), max_size=3))
    new_keys_likely = data.draw(st.booleans())  # the append shortcut must not change any outcome
    tables = []
    for sequence, likely in ((range(len(batches)), False), (order, new_keys_likely)):
        warehouse = Warehouse(str(Path(tempfile.mkdtemp()) / "w.duckdb"))
        for index in sequence:
            with warehouse.connect() as connection, transaction(connection):
                merge_batch(connection, TARGET, frames[index], origins[index], NOW, new_keys_likely=likely)
        tables.append(table(warehouse, "RECORDNO, NAME, _intacct_deleted, _intacct_source"))
    # model: the state is the newest event (hour, file, position); the data the newest live one
    tagged = [
        (hour, n, pos, key, name, deleted)
        for n, rows in enumerate(batches)
        for pos, (key, hour, deleted, name) in enumerate(rows)
    ]
    expected = []
    for key in sorted({t[3] for t in tagged}):
        mine = [t for t in tagged if t[3] == key]
        state = max(mine, key=lambda t: (t[0], t[1], t[2]))
        data_row = max(mine, key=lambda t: (not t[5], t[0], t[1], t[2]))
        expected.append((key, data_row[4], state[5], f"file{state[1]}"))
    assert tables[0] == tables[1] == expected


@pytest.mark.parametrize("configured", [None, "4GB", "256MB"])
def test_an_append_leaves_the_memory_limit_as_it_found_it(tmp_path, configured):
    """The first batch of a table is appended under a 512 MiB cap; the limit is restored for what follows
    in the same transaction (a complete export's tombstones may need gigabytes), and a lower one is kept."""
    warehouse = Warehouse(str(tmp_path / "w.duckdb"), memory_limit=configured)
    limit = "SELECT current_setting('memory_limit')"
    with warehouse.connect() as connection, transaction(connection):
        before = run(connection, limit)[0][0]
        counts = merge_batch(connection, TARGET, batch([("1", "a", 5, False)]), BatchOrigin("f1", NOW), NOW)
        assert counts.inserted == 1
        assert run(connection, limit)[0][0] == before


def test_appends_after_the_first_of_a_transaction_continue_its_row_groups(tmp_path):
    """A file merged in batches appends each batch in one transaction. Appended in parallel, each batch would leave
    partly filled row groups that the commit's checkpoint merges and rewrites (a third of a 4M-row file's load);
    on one thread a later append continues the last row group. The thread setting is restored afterwards."""
    warehouse = Warehouse(str(tmp_path / "w.duckdb"), threads=2)
    rows, batches, chunks = 300_000, 3, 8  # chunks: record batches DuckDB's threads share

    def numbered(first: int) -> pl.DataFrame:
        frame = pl.DataFrame({"RECORDNO": pl.int_range(first, first + rows, eager=True).cast(pl.String)})
        frame = frame.with_columns(
            NAME=pl.lit("n"),
            _intacct_modified=pl.lit(datetime(2026, 11, 1)),
            _intacct_read=pl.lit(None, pl.Datetime("us")),
            _intacct_position=pl.int_range(pl.len(), dtype=pl.Int64),
            _intacct_deleted=pl.lit(False),
        )
        return pl.concat(frame.iter_slices(rows // chunks), rechunk=False)

    with warehouse.connect() as connection:
        with transaction(connection):
            for number in range(batches):
                batch_ = numbered(number * rows)
                merge_batch(connection, TARGET, batch_, BatchOrigin("f1", NOW), NOW, new_keys_likely=True)
        row_groups, largest = run(
            connection,
            "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info('dds.thing')",
        )[0]
        assert run(connection, "SELECT count(*), current_setting('threads') FROM dds.thing") == [(rows * batches, 2)]
    fewest = -(-rows * batches // largest)
    assert row_groups <= fewest + 2  # the first append's partly filled row groups aside


def test_a_failed_append_reports_its_own_error(tmp_path):
    """Not DuckDB's 'transaction is aborted', which restoring the memory limit would otherwise raise."""
    warehouse = Warehouse(str(tmp_path / "w.duckdb"), memory_limit="4GB")
    not_a_decimal = batch([("1", "a", 5, False)]).with_columns(AMOUNT=pl.lit("12,50"))
    with pytest.raises(duckdb.ConversionException, match="12,50"):
        merge(warehouse, not_a_decimal)
    assert merge(warehouse, batch([("1", "a", 5, False)])).inserted == 1


@pytest.mark.parametrize("name", ["ROWID", "rowid", "_INTACCT_DELETED"])
def test_a_batch_with_a_reserved_column_is_refused_before_anything_is_written(warehouse, name):
    """Every caller (DDS, API) is protected: a rowid column would shadow the row identity the merge relies on."""
    with pytest.raises(UnsafeIdentifierError, match="reserved"):
        merge(warehouse, batch([("1", "a", 5, False, "x"), ("2", "b", 5, False, "x")], [name]))
    with warehouse.connect() as connection:
        assert run(connection, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'thing'") == [(0,)]


def test_merge_counts_read_as_words_in_run_logs():
    assert f"{MergeCounts(1, 2, 3, 4)}" == "1 inserted, 2 updated, 3 deleted, 4 unchanged"
