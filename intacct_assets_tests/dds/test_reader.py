"""Every dialect DDS can produce, exact types, and malformed records set aside."""

import gzip

import polars as pl
import pytest

from intacct_assets.catalog import load_catalog
from intacct_assets.dds.dialect import DialectHints, detect_dialect
from intacct_assets.dds.ingest import reader_types
from intacct_assets.dds.reader import FileRejectedError, ReadOptions, read_dds_file
from intacct_assets_tests.dds.files import GLENTRY_COLUMNS, dds_csv, glentry_row

GLENTRY = load_catalog().get("GLENTRY")
DDL_COLUMNS = [(c, "string") for c in GLENTRY_COLUMNS]
ROWS = [
    glentry_row("1", description="Rent, office; HQ"),
    glentry_row("2", description="Quoted \"word\" and 'single' and [brackets] and /slashes/"),
    glentry_row("3", description="Line one\nline two\r\nline three"),
    glentry_row("004", amount="-1234567.8912345678"),
]


def read(tmp_path, data: bytes, *, ddl=None, hints: DialectHints | None = None, job=None):
    path = tmp_path / "file.csv"
    path.write_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    options = ReadOptions(
        key=GLENTRY.key,
        column_types=reader_types(GLENTRY),
        load_ddl=lambda: ddl,
        hints=hints or DialectHints(),
        job=job,
    )
    return read_dds_file(path, options)


@pytest.mark.parametrize("delimiter", [",", ";", "."])
@pytest.mark.parametrize("enclosure", ['"', "'", "[", "/"])
@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("header", [True, False])
def test_every_dialect_reads_the_same_records(tmp_path, delimiter, enclosure, line_ending, header):
    data = dds_csv(
        GLENTRY_COLUMNS, ROWS, header=header, delimiter=delimiter, enclosure=enclosure, line_ending=line_ending
    )
    parsed = read(tmp_path, data, ddl=None if header else DDL_COLUMNS)
    assert parsed.rejected == []
    frame = parsed.frame.sort("RECORDNO")
    assert frame["RECORDNO"].to_list() == ["004", "1", "2", "3"]
    descriptions = dict(zip(frame["RECORDNO"], frame["DESCRIPTION"], strict=True))
    assert descriptions["1"] == "Rent, office; HQ"
    assert descriptions["2"] == "Quoted \"word\" and 'single' and [brackets] and /slashes/"
    assert descriptions["3"] == "Line one\nline two\r\nline three"
    assert parsed.dialect.delimiter == delimiter and parsed.dialect.has_header == header


@pytest.mark.parametrize("delimiter", [",", ";", "."])
@pytest.mark.parametrize("enclosure", ['"', "'", "[", "/"])
@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("header", [True, False])
def test_blank_lines_are_not_records_in_any_dialect(tmp_path, delimiter, enclosure, line_ending, header):
    """Several blank lines between records and at the end are skipped; one inside an enclosed value is data."""

    def records(rows, with_header=False):
        return dds_csv(
            GLENTRY_COLUMNS, rows, header=with_header, delimiter=delimiter, enclosure=enclosure, line_ending=line_ending
        )

    paragraphs = f"above{line_ending}{line_ending}below"
    rows = [*ROWS, glentry_row("5", description=paragraphs)]
    blank = line_ending.encode()
    data = (
        records([], header) + records(rows[:1]) + blank * 3 + records(rows[1:3]) + blank + records(rows[3:]) + blank * 2
    )
    parsed = read(tmp_path, data, ddl=None if header else DDL_COLUMNS)
    assert parsed.rejected == [] and parsed.rejected_count == 0 and parsed.records == 5
    frame = parsed.frame.sort("RECORDNO")
    assert frame["RECORDNO"].to_list() == ["004", "1", "2", "3", "5"]
    assert frame.filter(pl.col("RECORDNO") == "5")["DESCRIPTION"].item() == paragraphs
    assert frame.filter(pl.col("RECORDNO") == "3")["DESCRIPTION"].item() == "Line one\nline two\r\nline three"


def test_blank_lines_are_skipped_on_both_paths_and_records_keep_their_lines(tmp_path):
    """A blank line is not a record, on the polars path and on the csv slow path alike; a line of bare
    delimiters or a lone empty enclosed value is one (an empty one) and is rejected at its own line."""

    def record(row) -> bytes:
        return dds_csv(GLENTRY_COLUMNS, [row], header=False)

    start = (
        dds_csv(GLENTRY_COLUMNS, [])  # line 1: header
        + record(glentry_row("1"))
        + b"\n\r\n"  # 2; 3 and 4 blank
        + record(glentry_row("2", amount="12,50"))  # 5: not a decimal
        + b",,,,,,,,,\n"
        + b'""\n'  # 6, 7: records with every field empty
        + record(glentry_row("3"))
    )  # 8
    fast = read(tmp_path, start + record(glentry_row("4")) + b"\n")  # 9; 10 blank
    assert fast.frame["RECORDNO"].sort().to_list() == ["1", "3", "4"]
    assert [(r.line, r.reason) for r in fast.rejected] == [
        (5, "AMOUNT: '12,50' is not a valid decimal"),
        (6, "record key RECORDNO is empty"),
        (7, "record key RECORDNO is empty"),
    ]
    slow = read(tmp_path, start + b"9,too,many,fields,a,b,c,d,e,f,g,h\n" + b"\n")  # 9: too many fields
    assert slow.frame["RECORDNO"].sort().to_list() == ["1", "3"]
    assert [(r.line, r.reason) for r in slow.rejected] == [
        (5, "AMOUNT: '12,50' is not a valid decimal"),
        (6, "record key RECORDNO is empty"),
        (7, "expected 10 fields, found 1"),
        (9, "expected 10 fields, found 12"),
    ]
    assert (fast.records, slow.records) == (6, 6)


def test_bom_and_gzip(tmp_path):
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, ROWS, bom=True, compress=True))
    assert parsed.dialect.bom
    assert parsed.frame.columns[1] == "RECORDNO"  # the BOM is not part of the first column's name
    assert parsed.frame.height == 4


def test_headerless_file_without_ddl_is_rejected_with_advice(tmp_path):
    with pytest.raises(FileRejectedError, match="no header row and no DDL"):
        read(tmp_path, dds_csv(GLENTRY_COLUMNS, ROWS, header=False))


def test_ddl_column_order_is_used_for_headerless_files(tmp_path):
    reordered = ["ddsChangeType", *GLENTRY_COLUMNS[:-1]]
    rows = [[row[-1], *row[:-1]] for row in ROWS]
    parsed = read(tmp_path, dds_csv(reordered, rows, header=False), ddl=[(c, "string") for c in reordered])
    assert parsed.frame.filter(pl.col("RECORDNO") == "1")["DESCRIPTION"].item() == "Rent, office; HQ"


def test_malformed_records_are_set_aside_with_line_and_text(tmp_path):
    rows = [
        glentry_row("1", description="two\nlines"),  # lines 2-3
        glentry_row("2", amount="12,50"),  # line 4: not a decimal
        glentry_row("3", amount="0.12345678901"),  # line 5: would lose a digit
        glentry_row("", amount="1"),  # line 6: no key
        glentry_row("5", modified="yesterday"),  # line 7
        glentry_row("6"),  # line 8: fine
    ]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows))
    assert parsed.frame["RECORDNO"].sort().to_list() == ["1", "6"]
    by_line = {r.line: r for r in parsed.rejected}
    assert sorted(by_line) == [4, 5, 6, 7]
    assert "AMOUNT: '12,50' is not a valid decimal" in by_line[4].reason
    assert "10 decimal places" in by_line[5].reason
    assert "record key RECORDNO is empty" in by_line[6].reason
    assert "WHENMODIFIED: 'yesterday'" in by_line[7].reason
    assert by_line[4].raw.startswith('2,7,04000,010,"12,50"')
    assert parsed.records == 6 and parsed.rejected_count == 4


def test_a_broken_enclosure_early_in_the_file_costs_only_its_own_record(tmp_path):
    read_time = b",2026-11-01T06:00:00Z\n"
    data = (
        b"RECORDNO,DESCRIPTION,ddsReadTime\n"
        + b'1,"Rent, office"'
        + read_time
        + b'2,"abc'
        + read_time
        + b'4,"Say ""hi"""'
        + read_time
        + b"5,y"
        + read_time
    )
    parsed = read(tmp_path, data)
    assert parsed.dialect.enclosure == '"'
    descriptions = dict(zip(parsed.frame["RECORDNO"], parsed.frame["DESCRIPTION"], strict=True))
    assert descriptions["1"] == "Rent, office" and descriptions["5"] == "y"
    assert "2" not in descriptions and parsed.rejected_count >= 1


def test_a_small_headerless_change_file_with_a_bad_record_keeps_its_delimiter(tmp_path):
    """The DDL lacks ddsChangeType: a width of DDL + 1 must still count as the expected width."""
    rows = [glentry_row(str(n)) for n in range(1, 4)] + [[*glentry_row("4"), "extra field"]]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows, header=False), ddl=DDL_COLUMNS[:-1])
    assert parsed.dialect.delimiter == ","
    assert parsed.frame["RECORDNO"].sort().to_list() == ["1", "2", "3"] and parsed.rejected_count == 1


def test_a_value_equal_to_a_column_name_does_not_make_a_header(tmp_path):
    rows = [glentry_row("1", description="Amount"), glentry_row("2")]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows, header=False), ddl=DDL_COLUMNS)
    assert not parsed.dialect.has_header and parsed.frame["RECORDNO"].sort().to_list() == ["1", "2"]


def test_a_value_wrapped_in_apostrophes_does_not_change_the_enclosure(tmp_path):
    rows = [
        glentry_row("1", description="'N/A'"),
        glentry_row("2"),
        *[glentry_row(str(n), description="Rent, office") for n in range(3, 60)],
    ]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows))
    descriptions = dict(zip(parsed.frame["RECORDNO"], parsed.frame["DESCRIPTION"], strict=True))
    assert parsed.dialect.enclosure == '"' and descriptions["1"] == "'N/A'" and descriptions["59"] == "Rent, office"


def test_a_sample_ending_inside_a_multi_line_value_is_not_a_broken_record():
    text = "RECORDNO,DESCRIPTION,ddsReadTime\n" + "".join(f"{n},plain,T\n" for n in range(30)) + '31,"line one\n'
    dialect = detect_dialect(text.encode(), truncated=True, known_columns=["RECORDNO"])
    assert dialect.enclosure == '"'


def test_values_longer_than_the_csv_modules_default_limit_survive_the_slow_path(tmp_path):
    rows = [glentry_row("1", description="x" * 200_000), glentry_row("2"), [*glentry_row("3"), "extra"]]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows))
    assert parsed.frame["RECORDNO"].sort().to_list() == ["1", "2"] and parsed.rejected_count == 1
    assert parsed.frame.filter(pl.col("RECORDNO") == "1")["DESCRIPTION"].str.len_chars().item() == 200_000


def test_structural_errors_take_the_slow_path(tmp_path):
    good = dds_csv(GLENTRY_COLUMNS, [glentry_row("1"), glentry_row("3")]).decode()
    lines = good.splitlines(keepends=True)
    broken = lines[0] + lines[1] + "2,too,many,fields,a,b,c,d,e,f,g,h\n" + "9,\xff\n" + lines[2]
    data = broken.encode("utf-8", errors="surrogateescape").replace("\xff".encode(), b"\xff")
    parsed = read(tmp_path, data)
    assert parsed.frame["RECORDNO"].sort().to_list() == ["1", "3"]
    reasons = {r.line: r.reason for r in parsed.rejected}
    assert reasons[3] == "expected 10 fields, found 12"
    assert reasons[4] in ("invalid UTF-8", "expected 10 fields, found 2")
    assert parsed.rejected[0].raw == "2,too,many,fields,a,b,c,d,e,f,g,h"


def test_short_record_is_rejected_not_padded(tmp_path):
    data = dds_csv(GLENTRY_COLUMNS, [glentry_row("1")]) + b"2,7,04000,010,5.00\n"
    parsed = read(tmp_path, data)
    assert parsed.frame["RECORDNO"].to_list() == ["1"]
    assert "cut short" in parsed.rejected[0].reason


@pytest.mark.parametrize("header", [True, False])
def test_a_change_record_that_does_not_say_how_it_changed_is_rejected(tmp_path, header):
    """A delete cut short before its ddsChangeType must not load as a live record (nor must an unknown type)."""
    rows = [
        glentry_row("1", change="update"),
        glentry_row("2", change="delete")[:-1],  # cut short before its last field
        glentry_row("3", change=""),
        glentry_row("4", change="remove"),
        glentry_row("5", change="DELETE"),
        glentry_row("6", change="create"),
    ]
    # a real DDL has no ddsChangeType: change files carry it after the DDL's columns
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows, header=header), ddl=DDL_COLUMNS[:-1], job="change")
    assert parsed.frame["RECORDNO"].sort().to_list() == ["1", "5", "6"]
    first = 2 if header else 1
    empty = "ddsChangeType is empty: a record of a change file must say create, update or delete (was it cut short?)"
    assert [(r.line - first, r.reason) for r in parsed.rejected] == [
        (1, empty),
        (2, empty),
        (3, "ddsChangeType: 'remove' is not create, update or delete"),
    ]
    assert parsed.records == 6


def test_a_change_file_without_a_change_type_column_is_rejected(tmp_path):
    """Its deletes could not be told from updates: loaded, they would come back as live records."""
    rows = [glentry_row(n)[:-1] for n in "12"]
    with pytest.raises(FileRejectedError, match="must have a ddsChangeType column"):
        read(tmp_path, dds_csv(GLENTRY_COLUMNS[:-1], rows), job="change")
    # headerless, as wide as the DDL: the DDL does not match (a change file carries one more column)
    with pytest.raises(FileRejectedError, match="the DDL does not match the file"):
        read(tmp_path, dds_csv(GLENTRY_COLUMNS[:-1], rows, header=False), ddl=DDL_COLUMNS[:-1], job="change")


@pytest.mark.parametrize("line_breaks", [False, True])
@pytest.mark.parametrize("header", [False, True])
def test_a_first_record_larger_than_the_sample_is_read(tmp_path, line_breaks, header):
    """The dialect sample (256 KiB) grows until it holds whole records, also when the long value has line
    breaks (which a wrong dialect reads as many one-field records)."""
    long_value = ("x" * 999 + ("\n" if line_breaks else " ")) * 300
    rows = [glentry_row("1", description=long_value), glentry_row("2"), glentry_row("3", description="a;b")]
    data = dds_csv(GLENTRY_COLUMNS, rows, header=header, delimiter=";")
    parsed = read(tmp_path, data, ddl=None if header else DDL_COLUMNS[:-1], job="change")
    assert parsed.rejected == [] and parsed.dialect.delimiter == ";"
    descriptions = dict(zip(parsed.frame["RECORDNO"], parsed.frame["DESCRIPTION"], strict=True))
    assert descriptions == {"1": long_value, "2": glentry_row("2")[6], "3": "a;b"}


def test_all_files_need_no_change_type(tmp_path):
    """An `all` file leaves ddsChangeType empty, cuts it off, or has no such column: every record loads."""
    rows = [glentry_row("1", change=""), glentry_row("2", change="")[:-1], glentry_row("3")]
    parsed = read(tmp_path, dds_csv(GLENTRY_COLUMNS, rows), job="all")
    assert parsed.rejected == [] and parsed.frame["RECORDNO"].sort().to_list() == ["1", "2", "3"]
    without = read(tmp_path, dds_csv(GLENTRY_COLUMNS[:-1], [glentry_row(n)[:-1] for n in "123"]), job="all")
    assert without.rejected == [] and without.frame.height == 3


@pytest.mark.parametrize("bad_name", ["_intacct_deleted", "A\x00B", ""])
def test_hostile_column_names_reject_the_file(tmp_path, bad_name):
    columns = ["RECORDNO", bad_name, "ddsReadTime"]
    with pytest.raises(FileRejectedError):
        read(tmp_path, dds_csv(columns, [["1", "x", "2026-11-01T06:00:00Z"]]))


def test_sql_ish_column_names_are_kept_verbatim(tmp_path):
    columns = ["RECORDNO", 'x"; DROP TABLE dds.glentry; --', "Custom Field (US)", "ddsReadTime"]
    parsed = read(tmp_path, dds_csv(columns, [["1", "a", "b", "2026-11-01T06:00:00Z"]]))
    assert parsed.frame.columns[1:] == columns
