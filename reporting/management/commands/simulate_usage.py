import uuid

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from reporting.usage.simulate import simulate


class Command(BaseCommand):
    help = "Record realistic usage events (through the recording service) for the first accounts."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=1000)
        parser.add_argument(
            "--accounts", type=int, default=1, help="How many accounts (oldest first)."
        )
        parser.add_argument("--account", type=int, help="One account's id instead.")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument(
            "--seed", type=int, help="Repeatable: the same seed records nothing new."
        )

    def handle(self, *args, **options):
        if options["events"] < 1 or options["days"] < 1 or options["accounts"] < 1:
            raise CommandError("--events, --accounts and --days must be at least 1.")
        if options["account"]:
            accounts = list(Account.objects.filter(pk=options["account"]))
        else:
            accounts = list(Account.objects.order_by("pk")[: options["accounts"]])
        if not accounts:
            raise CommandError("No account to record usage for: create one first.")
        seed = options["seed"]
        prefix = f"sim-{seed}" if seed is not None else f"sim-{uuid.uuid4().hex[:8]}"
        result = simulate(
            accounts=accounts,
            events=options["events"],
            days=options["days"],
            key_prefix=prefix,
            seed=seed,
        )
        self.stdout.write(
            f"Recorded {len(result.created)} events ({len(result.duplicates)} already recorded) "
            f"for {len(accounts)} account(s); the beat task folds them into reports within seconds."
        )
