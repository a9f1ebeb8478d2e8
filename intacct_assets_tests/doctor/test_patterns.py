"""A file-name pattern derived from names the default one does not read: it must read them, as the right object,
job, delivery time and part — and propose nothing it cannot back with an example."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intacct_assets.dds.filenames import FileNameParser
from intacct_assets.doctor.patterns import suggest_pattern

OBJECTS = ["GLENTRY", "VENDOR", "ARINVOICE", "ARINVOICEITEM", "MY_TASK"]


@pytest.mark.parametrize(
    ("name", "obj", "job", "delivered", "part"),
    [
        ("GLENTRY-all-20261101060000.csv", "GLENTRY", "all", datetime(2026, 11, 1, 6, tzinfo=UTC), None),
        (
            "acme_VENDOR_change_2026-11-01_06-30-00_part2.csv.gz",
            "VENDOR",
            "change",
            datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
            2,
        ),
        (
            "ARINVOICEITEM 2026-11-01T06:00:00Z.CSV",
            "ARINVOICEITEM",
            "upsert",
            datetime(2026, 11, 1, 6, tzinfo=UTC),
            None,
        ),
        ("export.arinvoice.DELETE.20261101.003.csv", "ARINVOICE", "delete", datetime(2026, 11, 1, tzinfo=UTC), 3),
        ("MY_TASK_all_20261101.csv", "MY_TASK", "all", datetime(2026, 11, 1, tzinfo=UTC), None),
        ("vendor20261102.csv", "VENDOR", "upsert", datetime(2026, 11, 2, tzinfo=UTC), None),
    ],
)
def test_the_suggested_pattern_reads_the_name_it_came_from(name, obj, job, delivered, part):
    suggestion = suggest_pattern([name], OBJECTS)
    assert suggestion is not None and suggestion.matches == 1
    parsed = FileNameParser.from_setting(suggestion.pattern).parse(f"some/folder/{name}")
    assert (parsed.object, parsed.job, parsed.delivered_at, parsed.part) == (obj, job, delivered, part)


def test_one_pattern_for_a_whole_delivery_and_gzip_is_optional():
    names = [
        "GLENTRY-all-20261101060000.csv",
        "VENDOR-change-20261102060000.csv.gz",
        "ARINVOICE-delete-20261103060000.csv",
    ]
    suggestion = suggest_pattern(names, OBJECTS)
    assert suggestion.matches == 3
    assert (
        suggestion.pattern == r"^(?P<object>[A-Za-z][A-Za-z0-9_]*?)-(?P<job>all|change|delete)-(?P<ts>\d{14})"
        r"\.csv(?:\.gz)?$"
    )


def test_the_pattern_that_reads_most_names_wins():
    names = ["x-GLENTRY.20261101.csv", "GLENTRY-all-20261101060000.csv", "VENDOR-all-20261101060000.csv"]
    assert suggest_pattern(names, OBJECTS).matches == 2


def test_nothing_is_suggested_without_a_catalog_object_in_the_names():
    assert suggest_pattern(["notes.txt", "WIDGET-all-20261101.csv"], OBJECTS) is None
    assert suggest_pattern([], OBJECTS) is None


def test_an_object_glued_to_other_letters_is_not_taken_for_it():
    """GLENTRYX is not GLENTRY; ARINVOICEITEM is not ARINVOICE."""
    assert suggest_pattern(["GLENTRYX-all-20261101.csv"], OBJECTS) is None
    suggestion = suggest_pattern(["ARINVOICEITEM-all-20261101.csv"], OBJECTS)
    assert (
        FileNameParser.from_setting(suggestion.pattern).parse("ARINVOICEITEM-all-20261101.csv").object
        == "ARINVOICEITEM"
    )


def test_regex_characters_in_names_are_literal():
    suggestion = suggest_pattern(["GLENTRY (1)+[a].all.20261101.csv"], OBJECTS)
    parser = FileNameParser.from_setting(suggestion.pattern)
    assert parser.parse("GLENTRY (1)+[a].all.20261101.csv").object == "GLENTRY"
    assert parser.parse("GLENTRY 1+a.all.20261101.csv") is None
