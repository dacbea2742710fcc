"""Parts of pages that higher apps add (accounts, and the app owning the page, import none of them).

An app registers a function from its AppConfig.ready() (reporting: from its
models module); the page calls each with the request and shows the HTML it
returns, in registration order. The Account page has sections; other pages
name their slot: a section of one object's page ("apikeys.detail"), or a column
of a table ("apikeys.list"), whose renderer gets all the rows at once so that it
reads what it needs in one query, not one per row.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

_sections: dict[str, Callable[[HttpRequest], str]] = {}
_page_sections: dict[str, dict[str, Callable[[HttpRequest, Any], str]]] = {}
_columns: dict[str, dict[str, "Column"]] = {}


@dataclass(frozen=True)
class Column:
    heading: str
    # The rows' HTML by primary key; a row it leaves out gets an empty cell.
    render: Callable[[HttpRequest, Sequence[Any]], Mapping[int, str]]


def register_account_section(name: str, render: Callable[[HttpRequest], str]) -> None:
    _sections[name] = render


def account_sections(request: HttpRequest) -> list[str]:
    return [render(request) for render in _sections.values()]


def register_page_section(page: str, name: str, render: Callable[[HttpRequest, Any], str]) -> None:
    _page_sections.setdefault(page, {})[name] = render


def page_sections(page: str, request: HttpRequest, obj: Any) -> list[str]:
    return [render(request, obj) for render in _page_sections.get(page, {}).values()]


def register_column(
    table: str,
    name: str,
    *,
    heading: str,
    render: Callable[[HttpRequest, Sequence[Any]], Mapping[int, str]],
) -> None:
    _columns.setdefault(table, {})[name] = Column(heading=heading, render=render)


def table_columns(table: str, request: HttpRequest, rows: Sequence[Any]) -> list[str]:
    """The added columns' headings; sets each row's `extra_cells` (its HTML, column by column)."""
    columns = list(_columns.get(table, {}).values())
    cells = [column.render(request, rows) if rows else {} for column in columns]
    for row in rows:
        row.extra_cells = [
            (column.heading, found.get(row.pk, ""))
            for column, found in zip(columns, cells, strict=True)
        ]
    return [column.heading for column in columns]
