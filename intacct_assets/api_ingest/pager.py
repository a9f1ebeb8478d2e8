"""Parallel paging that never skips or duplicates a row while the data changes underneath.

Once the size of the set is known and its first page is back (the first request of a query pays
for the server's filter and sort), every other page is requested by position (``start``), keeping
the concurrency limit of requests in flight while the server reuses one sorted result. Positional
pages are only trustworthy if nothing moved between two adjacent reads, so
each boundary is verified in order, and a boundary that cannot be verified is repaired with a
keyset query (rows strictly between the last row before and the first row after it, in the sort
order). Two ways to verify:

* ``count`` — for sets that can only shrink (everything up to a fixed largest key; keys only grow
  and never come back): two adjacent pages that report the same total saw the same set.
* ``overlap`` — for any set: each page starts on the previous page's last position, and that row
  must come back unchanged.

The pager yields the rows of each page as soon as they arrive (merging is order-independent) and
a :class:`Verified` marker whenever the verified prefix grows: everything up to that row has been
read, which is what a cursor may be advanced to.

In count mode the caller may hand over the set's last page, already being read by another query
whose sort the server has cached (the largest-key probe's): it travels beside the first page, which
saves one round, and its boundary is verified like any other.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import polars as pl

from intacct_assets.api_ingest.sources import Page, PageRequest, PageSource
from intacct_assets.intacct.filters import Compare, Filter, all_of, any_of

MODES = ("count", "overlap")


@dataclass
class Rows:
    frame: pl.DataFrame


@dataclass
class Verified:
    last: dict[str, str | None]  # sort-field values of the last row of the verified prefix


@dataclass
class PagerStats:
    pages: int = 0
    repairs: int = 0  # keyset queries that re-read a boundary
    rows: int = 0


@dataclass
class Scan:
    """What to read: fields, a filter, and the ascending sort (the last sort field must be unique)."""

    fields: tuple[str, ...]
    filter: Filter | None
    order: tuple[str, ...]
    stats: PagerStats = field(default_factory=PagerStats)


class Pager:
    def __init__(self, source: PageSource, scan: Scan, mode: str, concurrency: int, max_offset: int) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.source, self.scan, self.mode = source, scan, mode
        self.size = source.page_limit
        # Requests queued behind the busy slots: a freed slot starts the next one at once, even when both
        # answers arrive together and the rows of the previous pages are still being handled.
        self.outstanding = 2 * concurrency
        self.segment = max(max_offset, self.size)
        self.filter = scan.filter  # of the current segment

    def request(self, start: int, size: int | None = None, extra: Filter | None = None) -> PageRequest:
        return PageRequest(self.scan.fields, all_of(self.filter, extra), self.scan.order, start, size or self.size)

    def fetch(self, request: PageRequest, answered: Callable[[], None] | None = None) -> Page:
        page = self.source.fetch(request, answered)
        self.scan.stats.pages += 1
        return page

    def run(self, total: int, first: Page | None = None, last: Future | None = None) -> Iterator[Rows | Verified]:
        """Read positions 1..``total``; ``first`` is page 0 if it was already read.

        ``last`` (count mode, ``page_limit < total <= max_offset``): a future of the last ``page_limit``
        positions in ascending order, its total ``-1`` when it cannot be compared (it saw rows beyond
        the set). Start positions never exceed ``max_offset`` (Intacct errors on large offsets): the set
        is read in segments, each continuing with a keyset filter after the last verified row of the
        previous.
        """
        if last is not None and (self.mode != "count" or not self.size < total <= self.segment):
            raise ValueError("a last page is only taken in count mode, for a set of one segment and several pages")
        order = self.scan.order
        with ThreadPoolExecutor(max_workers=self.outstanding, thread_name_prefix="intacct-page") as pool:
            while True:
                end = None
                for event in self._run(pool, self._pages(min(total, self.segment), last is not None), first, last):
                    if isinstance(event, Verified):
                        end = event.last
                    yield event
                if total <= self.segment or end is None:
                    return
                self.filter = all_of(self.scan.filter, _beyond(order, tuple(end[f] for f in order), "gt"))
                first = self.fetch(self.request(1))
                total = first.total
                if first.frame.height == 0:
                    return

    def _pages(self, total: int, last: bool) -> list[tuple[int, int]]:
        """(start, size) of each page to request; without the ``last`` page's positions when it is given."""
        if self.mode == "overlap":
            stride = self.size - 1  # each page re-reads the previous page's last row
            return [(start, self.size) for start in (1, *range(1 + stride, total, stride))]
        end = total - self.size if last else total
        return [(start, min(self.size, end - start + 1)) for start in range(1, end + 1, self.size)] or [(1, self.size)]

    def _run(
        self, pool: ThreadPoolExecutor, requests: list[tuple[int, int]], first: Page | None, last: Future | None
    ) -> Iterator[Rows | Verified]:
        pages: dict[int, Page] = {}
        held: dict[int, pl.DataFrame] = {}  # overlap mode: a page's first row, until its boundary is checked
        queue = deque(range(1, len(requests)))
        running: dict[Future, int] = {last: len(requests)} if last is not None else {}

        def refill() -> None:
            while queue and len(running) - (last in running) < self.outstanding:
                index = queue.popleft()
                running[pool.submit(self.fetch, self.request(*requests[index]))] = index

        previous: Page | None = None
        previous_full = True  # the previous page held all the rows it was asked for
        try:
            if first is None:
                first = self._first_page(pool, self.request(*requests[0]), refill)
            else:
                refill()
            yield from self._arrived(0, first, pages, held)
            for index in range(len(requests) + (last is not None)):
                while index not in pages:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        arrived = running.pop(future)
                        yield from self._arrived(arrived, future.result(), pages, held)
                    refill()
                page = pages.pop(index)
                last_row = previous.row(-1, self.scan.order) if previous is not None and previous.frame.height else None
                if previous is not None and (last_row is None or page.frame.height == 0):
                    # the set shrank past a page boundary: read everything after the verified prefix by key
                    end = yield from self._repair(last_row, None)
                    if end is not None:
                        yield Verified(dict(zip(self.scan.order, end, strict=True)))
                    return
                if previous is not None:
                    yield from self._check_boundary(previous, page, held.pop(index, None), previous_full)
                previous = page
                previous_full = page.frame.height >= (requests[index][1] if index < len(requests) else self.size)
                if page.frame.height:
                    yield Verified(dict(zip(self.scan.order, page.row(-1, self.scan.order), strict=True)))
            if previous is not None and previous.frame.height and _capped(previous, *requests[-1]) and last is None:
                # the last page holds fewer rows than its own total puts at its positions: the server capped its
                # size, and no later page's boundary will notice
                end = yield from self._repair(previous.row(-1, self.scan.order), None)
                if end is not None:
                    yield Verified(dict(zip(self.scan.order, end, strict=True)))
        finally:
            for future in running:
                future.cancel()

    def _first_page(self, pool: ThreadPoolExecutor, request: PageRequest, refill: Callable[[], None]) -> Page:
        """The first page of a new query pays for the server's filter and sort; the others reuse it, so
        they are only sent (``refill``) once the server has answered it, while its body is still read."""
        answered = threading.Event()
        reading = pool.submit(self.fetch, request, answered.set)
        reading.add_done_callback(lambda _: answered.set())
        answered.wait()
        if not reading.done() or reading.exception() is None:
            refill()
        return reading.result()

    def _arrived(self, index: int, page: Page, pages: dict[int, Page], held: dict[int, pl.DataFrame]):
        pages[index] = page
        frame = page.frame
        if self.mode == "overlap" and index and frame.height:
            held[index], frame = frame.head(1), frame.slice(1)
        self.scan.stats.rows += frame.height
        if frame.height:
            yield Rows(frame)

    def _check_boundary(
        self, previous: Page, page: Page, first_row: pl.DataFrame | None, previous_full: bool
    ) -> Iterator[Rows]:
        order = self.scan.order
        last, head = previous.row(-1, order), page.row(0, order)
        if self.mode == "count":  # a short page with an unchanged total lost rows somewhere: re-read by key
            consistent = page.total == previous.total and previous_full
        else:
            consistent = last == head
            if not consistent and first_row is not None:
                self.scan.stats.rows += 1
                yield Rows(first_row)  # not the overlap row after all: a row of its own
        if not consistent:
            yield from self._repair(last, head)

    def _repair(self, after: tuple | None, before: tuple | None):
        """Every row strictly between two sort positions, page by page with keyset filters, until a page holds
        all the rows its filter counts: a page shorter than asked for does not end the range (a server may cap
        the page size silently).

        Returns the position of the last row read (``None`` if none)."""
        self.scan.stats.repairs += 1
        order, last = self.scan.order, None
        while True:
            bounds = all_of(
                _beyond(order, after, "gt") if after else None, _beyond(order, before, "lt") if before else None
            )
            page = self.fetch(self.request(1, extra=bounds))
            self.scan.stats.rows += page.frame.height
            if page.frame.height:
                yield Rows(page.frame)
                last = after = page.row(-1, order)
            if page.frame.height == 0 or page.frame.height >= page.total:
                return last


def _capped(page: Page, start: int, size: int) -> bool:
    """The answer holds fewer rows than it says its positions ``start``..``start + size - 1`` hold."""
    return page.frame.height < min(size, page.total - start + 1)


def _beyond(order: tuple[str, ...], values: tuple, op: str) -> Filter:
    """Rows after (``gt``) or before (``lt``) a position in the lexicographic order of ``order``."""
    branches = []
    for depth, name in enumerate(order):
        equal = [Compare("eq", order[i], values[i]) for i in range(depth)]
        branches.append(all_of(*equal, Compare(op, name, values[depth])))
    return any_of(*branches)
