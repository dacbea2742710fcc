from django.urls import path

from reporting.alerts import views as alert_views
from reporting.billing import views as billing_views
from reporting.limits import views as limit_views
from reporting.usage import views

app_name = "reporting"

urlpatterns = [
    path("", views.usage, name="usage"),
    path("usage.csv", views.usage_csv, name="usage_csv"),
    path("billing/", billing_views.billing_page, name="billing"),
    path("billing/autopay/", billing_views.autopay, name="billing_autopay"),
    path("billing/invoices/", billing_views.invoice_list, name="invoices"),
    path("billing/invoices/<int:pk>/", billing_views.invoice_detail, name="invoice"),
    path("billing/invoices/<int:pk>/print/", billing_views.invoice_print, name="invoice_print"),
    path("limits/", limit_views.limit_list, name="limits"),
    path("limits/set/", limit_views.limit_set, name="limit_set"),
    path("limits/clear/", limit_views.limit_clear, name="limit_clear"),
    path("alerts/", alert_views.alert_list, name="alerts"),
    path("alerts/new/", alert_views.alert_create, name="alert_create"),
    path("alerts/<int:pk>/edit/", alert_views.alert_edit, name="alert_edit"),
    path("alerts/<int:pk>/delete/", alert_views.alert_delete, name="alert_delete"),
]
