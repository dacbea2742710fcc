from django.core.management.base import BaseCommand

from reporting.usage.retention import MONTHS_AHEAD, usage_events_retire, usage_partitions_ensure


class Command(BaseCommand):
    help = (
        "Make the usage events' monthly partitions ahead (PostgreSQL) and, with --retire, drop "
        "raw events older than USAGE_EVENT_RETENTION_MONTHS (the beat schedule does both daily)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=MONTHS_AHEAD, help="Months ahead.")
        parser.add_argument("--retire", action="store_true", help="Also apply the retention.")

    def handle(self, *args, **options):
        made = usage_partitions_ensure(ahead=options["ahead"])
        self.stdout.write(
            f"Made {len(made)} partitions" + (f": {', '.join(made)}." if made else ".")
        )
        if options["retire"]:
            retired = usage_events_retire()
            if retired.cutoff is None:
                self.stdout.write(
                    "Retention is off (USAGE_EVENT_RETENTION_MONTHS=0): nothing retired."
                )
            else:
                self.stdout.write(
                    f"Retired raw events before {retired.cutoff:%Y-%m-%d}: "
                    f"{len(retired.partitions)} partitions dropped, {retired.rows} other rows deleted."
                )
