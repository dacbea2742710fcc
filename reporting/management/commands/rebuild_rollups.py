from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from reporting.usage.services import rollups_rebuild


class Command(BaseCommand):
    help = "Recompute usage rollups from the events (one account, or all)."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, help="Only this account's id.")

    def handle(self, *args, **options):
        account = None
        if options["account"] is not None:
            account = Account.objects.filter(pk=options["account"]).first()
            if account is None:
                raise CommandError(f"No account with id {options['account']}.")
        rows = rollups_rebuild(account=account)
        scope = f"account {account.pk}" if account else "all accounts"
        self.stdout.write(f"Rebuilt {rows} hourly rollup rows for {scope}.")
