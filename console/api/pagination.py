"""Cursor pagination: `limit` rows after the opaque cursor `after`, with `next_cursor`."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.db.models import Model, Q, QuerySet
from ninja import Query

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_MAX_ID = 2**63 - 1

Limit = Annotated[int, Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Rows per page.")]
After = Annotated[
    str | None,
    Query(None, max_length=64, description="The `next_cursor` of the previous page."),
]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """`after` is not a cursor this API gave out: a 422 naming `after`."""

    def __init__(self) -> None:
        super().__init__("after: not a cursor from this API; pass a page's next_cursor.")


def _number(text: str) -> int:
    if not text.isdigit() or len(text) > 19 or not 0 < int(text) <= _MAX_ID:
        raise BadCursor
    return int(text)


def by_id[M: Model](
    rows: QuerySet[M], *, limit: int, after: str | None
) -> tuple[list[M], bool, str | None]:
    """A page of `rows` in id order."""
    rows = rows.order_by("pk")
    if after:
        rows = rows.filter(pk__gt=_number(after))
    page = list(rows[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return page, has_more, (str(page[-1].pk) if has_more else None)


def newest_first[M: Model](
    rows: QuerySet[M], *, limit: int, after: str | None
) -> tuple[list[M], bool, str | None]:
    """A page of `rows` by `created_at`, newest first; the cursor holds (time, id)."""
    rows = rows.order_by("-created_at", "-pk")
    if after:
        micros, _, pk = after.partition("_")
        try:
            moment = _EPOCH + timedelta(microseconds=_number(micros))
        except OverflowError:
            raise BadCursor from None
        last = _number(pk)
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=last))
    page = list(rows[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    cursor = None
    if has_more:
        last_row: Any = page[-1]
        micros_since = (last_row.created_at - _EPOCH) // timedelta(microseconds=1)
        cursor = f"{micros_since}_{last_row.pk}"
    return page, has_more, cursor


def envelope(data: Sequence[object], has_more: bool, cursor: str | None) -> dict[str, object]:
    return {"data": list(data), "has_more": has_more, "next_cursor": cursor}
