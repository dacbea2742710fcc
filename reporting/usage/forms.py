"""The Reporting page's filters, and the parsing of ingested usage batches."""

import uuid
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join

from reporting import pricing
from reporting.usage.values import NewUsageEvent, ReportFilters, period_range

PERIODS = [
    ("24h", "Last 24 hours"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("custom", "Custom range"),
]
GROUPS = [
    ("none", "Account total"),
    ("product", "Product"),
    ("model", "Model"),
    ("project", "Project"),
    ("key", "API key"),
]
GRANULARITIES = [("hour", "Hour"), ("day", "Day")]
METRICS = [("spend", "Spend"), ("usage", "Usage")]
DEFAULTS = {"period": "30d", "group": "product", "granularity": "day", "metric": "spend"}
MAX_CUSTOM_DAYS = 366


class Select(forms.Select):
    """Django's Select markup built in Python (flat choices only): through the widget
    templates the form's fifty-odd options took ~7 ms of every page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (option["value"], flatatt(option["attrs"]), option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class ReportFilterForm(forms.Form):
    period = forms.ChoiceField(choices=PERIODS, required=False, widget=Select)
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    group = forms.ChoiceField(label="Group by", choices=GROUPS, required=False, widget=Select)
    granularity = forms.ChoiceField(choices=GRANULARITIES, required=False, widget=Select)
    metric = forms.ChoiceField(
        label="Chart", choices=METRICS, required=False, widget=forms.RadioSelect
    )
    product = forms.ChoiceField(required=False, widget=Select)
    # Plain integers, not choices: another account's id is not an error, it
    # matches nothing because every query starts from the account's rollups.
    project = forms.IntegerField(required=False, min_value=1, widget=Select)
    key = forms.IntegerField(label="API key", required=False, min_value=1, widget=Select)

    def __init__(self, *args, projects=(), api_keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [("", "All products")] + [
            (code, pricing.PRODUCT_LABELS[code]) for code in pricing.PRODUCT_IDS
        ]
        self.fields["project"].widget.choices = [("", "All projects")] + [
            (pk, label) for pk, label in projects
        ]
        self.fields["key"].widget.choices = [("", "All API keys")] + [
            (pk, label) for pk, label in api_keys
        ]

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                self.add_error("start", "Choose a start and an end date for a custom range.")
            elif start > end:
                self.add_error("end", "The end date must be on or after the start date.")
            elif end == date.max:
                self.add_error("end", "Choose an earlier end date.")
            elif (end - start).days >= MAX_CUSTOM_DAYS:
                self.add_error("end", f"Choose a range of at most {MAX_CUSTOM_DAYS} days.")
        return data

    def filters(self, *, now=None) -> ReportFilters:
        """The filters to show: valid values, defaults for the rest."""
        data = self.cleaned_data if self.is_bound else {}

        def value(name):
            if name in self.errors:
                return DEFAULTS.get(name)
            return data.get(name) or DEFAULTS.get(name)

        period = value("period")
        if period == "custom" and (self.errors.get("start") or self.errors.get("end")):
            period = DEFAULTS["period"]
        start, end = period_range(period, now=now, start=data.get("start"), end=data.get("end"))
        return ReportFilters(
            period=period,
            start=start,
            end=end,
            group=value("group"),
            granularity=value("granularity"),
            metric=value("metric"),
            product=value("product") or "",
            project_id=value("project"),
            api_key_id=value("key"),
        )


# Ingest -----------------------------------------------------------------------

# Producers may report events a little ahead of our clock, not days ahead.
FUTURE_TOLERANCE = timedelta(minutes=5)
# Ids are bigint columns; one event's quantity (a trillion tokens, or 31,000 years
# of audio) stays far inside what its cost and the rollups' sums can hold.
MAX_ID = 2**63 - 1
MAX_QUANTITY = 10**12
# Metadata is opaque to us, but walked (NUL check, storage): a bounded depth keeps
# every walk far from Python's recursion limit.
MAX_METADATA_DEPTH = 20
# The ingest API's event is exactly the recording service's.
EVENT_FIELDS = {f.name for f in fields(NewUsageEvent)}


def _optional_id(raw, name, errors, index):
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_ID:
        errors.append(
            {"index": index, "field": name, "message": "Must be a positive integer or null."}
        )
        return None
    return raw


def parse_usage_events(items: list, *, now=None) -> tuple[list[NewUsageEvent], list[dict]]:
    """Events from a decoded JSON batch (numbers decoded as int or Decimal), and the errors found."""
    now = now or timezone.now()
    events, errors = [], []
    for index, item in enumerate(items):
        before = len(errors)

        def fail(name, message, index=index):
            errors.append({"index": index, "field": name, "message": message})

        if not isinstance(item, dict):
            fail("event", "Each event must be a JSON object.")
            continue
        unknown = sorted(set(item) - EVENT_FIELDS)
        if unknown:
            fail(unknown[0], "Unknown field.")
        key = item.get("idempotency_key")
        if not isinstance(key, str) or not key.strip() or len(key) > 200 or "\x00" in key:
            fail("idempotency_key", "Required: a string of 1 to 200 characters (no NUL).")
        account_id = item.get("account_id")
        if (
            isinstance(account_id, bool)
            or not isinstance(account_id, int)
            or not 1 <= account_id <= MAX_ID
        ):
            fail("account_id", "Required: a positive integer.")
        project_id = _optional_id(item.get("project_id"), "project_id", errors, index)
        api_key_id = _optional_id(item.get("api_key_id"), "api_key_id", errors, index)
        product = item.get("product")
        # A list or object is unhashable: test the type before looking it up.
        if not isinstance(product, str) or product not in pricing.PRODUCT_IDS:
            fail("product", f"Required: one of {', '.join(pricing.PRODUCT_IDS)}.")
        model = item.get("model")
        if not isinstance(model, str) or not model or len(model) > 40 or "\x00" in model:
            fail("model", "Required: a model name.")
        unit = item.get("unit")
        if unit is not None and not isinstance(unit, str):
            fail("unit", "Must be a string or null.")
        quantity = item.get("quantity")
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int | Decimal)
            or (isinstance(quantity, Decimal) and not quantity.is_finite())
            or not 0 <= quantity <= MAX_QUANTITY
        ):
            fail("quantity", f"Required: a number of seconds or tokens, 0 to {MAX_QUANTITY:,}.")
        occurred_at = _parse_time(item.get("occurred_at"))
        if occurred_at is None or timezone.is_naive(occurred_at):
            fail("occurred_at", "Required: an ISO 8601 time with its UTC offset.")
        elif occurred_at > now + FUTURE_TOLERANCE:
            fail("occurred_at", "Must not be in the future.")
        metadata = item.get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            fail("metadata", "Must be a JSON object or null.")
        elif _too_deep(metadata):
            fail("metadata", f"Must be nested at most {MAX_METADATA_DEPTH} levels deep.")
        elif _contains_nul(metadata):
            fail("metadata", "Must not contain the NUL character.")
        reservation_id = item.get("reservation_id")
        if reservation_id is not None and not _is_uuid(reservation_id):
            fail(
                "reservation_id", "Must be the id of a reservation from /internal/usage/authorize."
            )
        if len(errors) > before:
            continue
        events.append(
            NewUsageEvent(
                account_id=account_id,
                project_id=project_id,
                api_key_id=api_key_id,
                product=product,
                model=model,
                unit=unit,
                quantity=quantity,
                occurred_at=occurred_at,
                idempotency_key=key,
                metadata=_jsonable(metadata),
                reservation_id=reservation_id,
            )
        )
    return events, errors


def _is_uuid(raw) -> bool:
    if not isinstance(raw, str):
        return False
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


def _parse_time(raw) -> datetime | None:
    """An aware or naive datetime, or None for anything that is not a real time.

    Django's parser raises for a well-formed impossible time (February 30, month 13,
    hour 25, offset +99:00): those are input errors here, not crashes.
    """
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    try:
        parsed = parse_datetime(raw)
        if parsed is not None and parsed.tzinfo is not None:
            parsed.utcoffset()  # an offset beyond a day fails here, or in comparisons
            parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return parsed


def _too_deep(value) -> bool:
    """Deeper than MAX_METADATA_DEPTH containers, found without recursion."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > MAX_METADATA_DEPTH:
                return True
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children)
    return False


def _contains_nul(value) -> bool:
    """PostgreSQL stores no NUL character in text or jsonb."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


def _jsonable(value):
    """Decimals decoded from the body back to JSON numbers for storage (metadata is opaque)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
