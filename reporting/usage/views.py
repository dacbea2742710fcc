"""The Reporting page and its CSV (U1, U2, U4): every member sees them."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse

from accounts.exports import csv_response
from accounts.permissions import Action, requires
from reporting.usage import selectors
from reporting.usage.forms import DEFAULTS, ReportFilterForm


def _report(request):
    account = request.account
    projects = selectors.project_choices(account)
    api_keys = selectors.api_key_choices(account)
    # Always bound, defaults first: the form shows exactly the filters applied.
    form = ReportFilterForm(
        {**DEFAULTS, **request.GET.dict()}, projects=projects, api_keys=api_keys
    )
    form.is_valid()
    report = selectors.usage_report(
        account=account, filters=form.filters(), projects=projects, api_keys=api_keys
    )
    return form, report


@requires(Action.VIEW)
def usage(request):
    """Usage and spend from the rollups; htmx swaps the chart and table (U1, U2, U4)."""
    form, report = _report(request)
    context = {
        "nav": "reporting",
        "form": form,
        "report": report,
        "chart": report.chart(),
        "freshness": selectors.freshness(),
        "open_sessions": selectors.open_streaming_sessions(request.account),
        "csv_url": f"{reverse('reporting:usage_csv')}?{urlencode(report.filters.query())}",
    }
    template = "reporting/usage.html#report" if request.htmx else "reporting/usage.html"
    return render(request, template, context)


@requires(Action.VIEW)
def usage_csv(request):
    """Exactly the rows of the page's table, as CSV (U4)."""
    _form, report = _report(request)
    filters = report.filters
    name = f"usage-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}-{filters.group}.csv"
    return csv_response(name, report.header, report.rows)
