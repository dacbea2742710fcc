from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    default = True  # this app's config; SupportAdminConfig below is the admin's
    name = "accounts"


class SupportAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with support staff's site (accounts/support_site.py) as `admin.site`."""

    default = False
    default_site = "accounts.support_site.SupportAdminSite"
