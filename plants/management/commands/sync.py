from django.core.management.base import BaseCommand, CommandError

from plants.models import GrowattAccount
from plants.sync import sync_account


class Command(BaseCommand):
    help = "Run a Growatt sync in this process, without Celery."

    def add_arguments(self, parser):
        parser.add_argument("--account", type=int, action="append", help="account id (repeatable)")
        parser.add_argument("--all", action="store_true", help="every enabled account")
        parser.add_argument("--force", action="store_true",
                            help="sync even if not due yet (a lock or bad credentials still stop it)")

    def handle(self, *args, account=None, all=False, force=False, **options):
        if not account and not all:
            raise CommandError("Say which accounts: --account ID or --all.")
        qs = GrowattAccount.objects.filter(enabled=True) if all else GrowattAccount.objects.filter(pk__in=account)
        if not force:
            qs = qs.due()
        ids = list(qs.values_list("pk", flat=True))
        if account and not all:
            missing = set(account) - set(GrowattAccount.objects.filter(pk__in=account).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No Growatt account with id {', '.join(map(str, sorted(missing)))}.")
        if not ids:
            self.stdout.write("Nothing due. Use --force to sync anyway.")
        for pk in ids:
            run = sync_account(pk, force=force)
            if run is None:
                self.stdout.write(f"account {pk}: a sync is already running elsewhere")
                continue
            self.stdout.write(
                f"account {pk}: {run.outcome} — {run.requests} requests, {run.logins} logins, "
                f"{run.days_backfilled} days backfilled{(' — ' + run.message) if run.message else ''}"
            )
