"""A lost race on demand: another transaction holds a row while a request needs it."""

import threading
import time

from django.db import connection, connections, transaction


def _a_query_waits_on_a_lock(timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def while_row_is_changed(model, pk, change, request):
    """Lock the row, let `request()` reach it, then `change()` it and commit.

    The request read the row before the change and needs it after: what a
    person meets when someone else acted first. Returns the request's response.
    Tests using it need `django_db(transaction=True)`.
    """
    locked = threading.Event()
    outcome = {}

    def hold():
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                locked.set()
                outcome["request waited"] = _a_query_waits_on_a_lock()
                change()
        except Exception as error:  # handed to the test thread below
            outcome["error"] = error
        finally:
            locked.set()
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    response = request()
    holder.join(20)
    if "error" in outcome:
        raise outcome["error"]
    assert outcome["request waited"], "the request never waited for the row"
    return response
