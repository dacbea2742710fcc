"""Signals the apps above projects listen to, so that projects never imports them."""

from django.dispatch import Signal

# Sent by `projects.services.project_delete` inside its transaction, before the
# project is marked deleted, with `project`, `actor` and `deleted_at` (the
# moment of deletion). Receivers remove what hangs off the project; one may
# return a dict, merged into the `project.delete` audit entry's metadata.
project_deleted = Signal()
