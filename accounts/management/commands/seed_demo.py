import importlib
import importlib.util

from django.core.management.base import BaseCommand

from accounts import demo

# Each app that has demo data has a `demo.py` with `seed(data) -> list[str]`,
# returning the lines to print. Run in this order.
DEMO_APPS = ["members", "projects", "apikeys", "reporting"]


class Command(BaseCommand):
    help = "Create or refresh the demo users, accounts and data (idempotent)."

    def handle(self, *args, **options):
        data = demo.seed()
        lines = list(data.lines)
        for app in DEMO_APPS:
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            module = importlib.import_module(f"{app}.demo")
            lines.extend(module.seed(data) or [])
        for line in lines:
            self.stdout.write(line)
