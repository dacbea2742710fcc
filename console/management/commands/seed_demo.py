from django.core.management.base import BaseCommand

from accounts import demo as accounts_demo
from apikeys import demo as apikeys_demo
from members import demo as members_demo
from projects import demo as projects_demo
from reporting import demo as reporting_demo

# Each app's `seed(data) -> list[str]` returns the lines to print; run in this order.
DEMO_SEEDS = [members_demo.seed, projects_demo.seed, apikeys_demo.seed, reporting_demo.seed]


class Command(BaseCommand):
    help = "Create or refresh the demo users, accounts and data (idempotent)."

    def handle(self, *args, **options):
        data = accounts_demo.seed()
        lines = list(data.lines)
        for seed in DEMO_SEEDS:
            lines.extend(seed(data) or [])
        for line in lines:
            self.stdout.write(line)
