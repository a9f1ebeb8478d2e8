"""A file-name pattern (``INTACCT_DDS_FILE_PATTERN``) derived from names the current one does not recognize.

Each name is cut into runs of letters, runs of digits and single other characters. The catalog object's name
becomes the ``object`` group, a job word (all / change / delete) the ``job`` group, a run of digits that reads
as a date (and time) the ``ts`` group, a further number after it the ``part`` group; everything else stays
literal. The pattern of each name is tried on every name, and the one that reads the most of them wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intacct_assets.dds.filenames import JOB_ALIASES, FileNameError, FileNameParser

_RUNS = re.compile(r"[A-Za-z]+|\d+|.", re.DOTALL)
_DATE_SEPARATORS = frozenset("-_./")
_TIME_SEPARATORS = frozenset("-_: T")
_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")
_OBJECT = r"(?P<object>[A-Za-z][A-Za-z0-9_]*?)"


@dataclass(frozen=True)
class Suggestion:
    pattern: str
    matches: int  # how many of the names it reads, with the object they name


def suggest_pattern(names: Sequence[str], objects: Iterable[str]) -> Suggestion | None:
    """The pattern that reads the most ``names`` (file names, no folders) as files of catalog ``objects``."""
    known = sorted({name.upper() for name in objects}, key=len, reverse=True)
    expected = {name: _object_in(name, known) for name in names}
    candidates = dict.fromkeys(p for name, obj in expected.items() if obj and (p := _pattern_for(name, obj)))
    best: Suggestion | None = None
    for pattern in candidates:
        matches = sum(_reads(pattern, name, obj) for name, obj in expected.items() if obj)
        if matches and (best is None or matches > best.matches):
            best = Suggestion(pattern, matches)
    return best


def _object_in(name: str, known: list[str]) -> str | None:
    """The longest catalog object named in ``name`` (not glued to other letters)."""
    upper = name.upper()
    for obj in known:
        if re.search(rf"(?<![A-Z]){re.escape(obj)}(?![A-Z])", upper):
            return obj
    return None


def _pattern_for(name: str, obj: str) -> str | None:
    start = name.upper().index(obj)  # _object_in found it
    head, runs = name[:start], _RUNS.findall(name[start + len(obj) :])
    parts = ["^", _literal(head), _OBJECT]
    has_ts = False
    index = 0
    while index < len(runs):
        run = runs[index]
        if run.lower() in JOB_ALIASES and "(?P<job>" not in "".join(parts):
            parts.append(_job_group(run))
        elif run.isdigit() and not has_ts and (stamp := _timestamp(runs, index)):
            group, index = stamp
            parts.append(group)
            has_ts = True
            continue
        elif run.isdigit() and has_ts and "(?P<part>" not in "".join(parts):
            parts.append(r"(?P<part>\d+)")
        elif run.isdigit():
            parts.append(r"\d+")
        elif run.lower() == "gz" and index == len(runs) - 1 and parts[-1] == r"\.":
            parts[-1] = r"(?:\.gz)?"
            index += 1
            continue
        else:
            parts.append(_literal(run))
        index += 1
    if parts[-2] == r"\." and parts[-1].lower() == "csv":
        parts.append(r"(?:\.gz)?")
    return "".join(parts) + "$"


def _job_group(word: str) -> str:
    """All three job words, spelled in the case of the one seen."""
    words = ("all", "change", "delete")
    cased = [w.upper() if word.isupper() else w.title() if word.istitle() else w for w in words]
    return f"(?P<job>{'|'.join(cased)})"


def _timestamp(runs: list[str], index: int) -> tuple[str, int] | None:
    """Digit runs that hold a date, year first (8 digits, maybe split by ``-`` ``_`` ``.`` ``/``), maybe a time
    of day after it (up to 6 more digits, split by ``T`` ``_`` ``-`` ``:`` or a space), maybe ``Z``: the regex of
    its shape and the index after it."""
    shape: list[str] = []
    digits = 0
    position = index
    while position < len(runs) and runs[position].isdigit() and digits + len(runs[position]) <= 14:
        shape.append(rf"\d{{{len(runs[position])}}}")
        digits += len(runs[position])
        position += 1
        separators = _DATE_SEPARATORS if digits < 8 else _TIME_SEPARATORS
        if position + 1 < len(runs) and runs[position] in separators and runs[position + 1].isdigit() and digits < 14:
            shape.append(_literal(runs[position]))
            position += 1
    if shape and not shape[-1].startswith("\\d"):
        shape.pop()
        position -= 1
    if digits < 8 or not re.match(r"(19|20)\d\d", "".join(r for r in runs[index:position] if r.isdigit())):
        return None
    if position < len(runs) and runs[position] == "Z":
        shape.append("Z")
        position += 1
    return f"(?P<ts>{''.join(shape)})", position


def _literal(text: str) -> str:
    """``text`` as a regex that matches it, escaping only what regexes treat specially (readable patterns)."""
    return _SPECIAL.sub(r"\\\1", text)


def _reads(pattern: str, name: str, obj: str) -> bool:
    try:
        parsed = FileNameParser.from_setting(pattern).parse(name)
    except FileNameError:
        return False
    return parsed is not None and parsed.object == obj
