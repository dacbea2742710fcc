"""How many of an account's transcripts run at once (C3): its plan's transcription_concurrency.

A transcript takes a slot when it is admitted (`admitted_at`) and holds it
while it is queued or processing; one beyond the limit is accepted and waits,
queued without a slot, and the waiting ones are admitted oldest first as
slots free up. Every count and admission happens under a lock on the
account's row, so that concurrent creates and finishes never admit more than
the limit, and creates take the same lock before their row is made, so that
creation order is admission order.

Sending the admitted transcripts to the workers is `transcripts.worker`'s part.
"""

import uuid

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from accounts.plans import get_plan
from transcripts.models import Transcript


def lock_account(*, project_id: int | None = None, account_id: int | None = None) -> Account:
    """The account (of the project), its row locked until the transaction ends."""
    accounts = Account.objects.select_for_update(of=("self",)).only("pk", "plan")
    if account_id is not None:
        return accounts.get(pk=account_id)
    return accounts.get(projects__pk=project_id)


def concurrency_of(account: Account) -> int:
    return get_plan(account.plan).transcription_concurrency


def _of_account(account_id: int) -> QuerySet[Transcript]:
    return Transcript.objects.filter(project__account_id=account_id)


def running_count(account_id: int) -> int:
    """Transcripts holding a slot: admitted and not finished."""
    return (
        _of_account(account_id)
        .filter(
            admitted_at__isnull=False,
            status__in=[Transcript.Status.QUEUED, Transcript.Status.PROCESSING],
        )
        .count()
    )


def waiting_for_slot(account_id: int) -> QuerySet[Transcript]:
    """Queued transcripts without a slot, in the order they start."""
    return (
        _of_account(account_id)
        .filter(status=Transcript.Status.QUEUED, admitted_at__isnull=True)
        .order_by("created_at", "id")
    )


def admit_waiting(account: Account) -> list[uuid.UUID]:
    """Give free slots to the oldest waiting transcripts; their ids, to be sent to the workers.

    Call it inside a transaction that holds `lock_account`.
    """
    free = concurrency_of(account) - running_count(account.pk)
    if free <= 0:
        return []
    admitted = list(waiting_for_slot(account.pk).values_list("pk", flat=True)[:free])
    if admitted:
        Transcript.objects.filter(pk__in=admitted).update(admitted_at=timezone.now())
    return admitted
