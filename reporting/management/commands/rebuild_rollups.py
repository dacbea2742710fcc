from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from reporting.usage.retention import raw_events_since
from reporting.usage.services import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute usage rollups from the raw events (one account, or all), over the range "
        "whose raw events are kept: rollups older than the retention stay as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Only this account's id.")

    def handle(self, *args, **options):
        account = None
        if options["account"] is not None:
            account = Account.objects.filter(pk=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with id {options['account']}.")
        since = raw_events_since()
        if since is None:
            span = "from all raw events (none has been retired)"
        else:
            span = (
                f"from {since:%Y-%m-%d %H:%M} UTC on, the oldest raw events kept; "
                "earlier rollups are kept as they are (their events were retired)"
            )
        self.stdout.write(f"Rebuilding {span}.")
        rows = rollups_rebuild(account=account)
        scope = f"account {account.pk}" if account else "all accounts"
        self.stdout.write(f"Rebuilt {rows} hourly rollup rows for {scope}.")
