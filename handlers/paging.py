"""The buttons of a paged list: to the page before and after, where there is one."""

from __future__ import annotations

from collections.abc import Callable

Button = tuple[str, str]


def page_row(
    page: int, pages: int, earlier: str, later: str, data: Callable[[int], str]
) -> list[Button]:
    """`earlier` (to page - 1) and `later` (to page + 1) labels, each only where that page
    exists; `data(n)` is the callback data of page n (0-based). Empty on a single page."""
    row = []
    if page > 0:
        row.append((earlier, data(page - 1)))
    if page + 1 < pages:
        row.append((later, data(page + 1)))
    return row
