from django.core.management.base import BaseCommand, CommandError

from plants.models import Plant
from plants.sync import backfill_plant


class Command(BaseCommand):
    help = "Fetch a plant's past days again (5-minute curves and daily energy)."

    def add_arguments(self, parser):
        parser.add_argument("--plant", type=int, required=True, help="plant id (in growattweb)")
        parser.add_argument("--days", type=int, default=30, help="how many days back (default 30)")

    def handle(self, *args, plant, days, **options):
        if days < 1 or days > 3660:
            raise CommandError("--days must be between 1 and 3660.")
        obj = Plant.objects.select_related("account").filter(pk=plant).first()
        if obj is None:
            raise CommandError(f"No plant with id {plant}.")
        try:
            filled = backfill_plant(obj, days)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"plant {obj.pk} ({obj.name}): {filled} of {days} days fetched")
