from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from plants.models import GrowattAccount

DEMO_WARNING = "The demo login is for the local demo only: never expose this instance to a network."


class Command(BaseCommand):
    help = "Create the local demo: web user demo/demo with a Growatt account on the simulator."

    def add_arguments(self, parser):
        parser.add_argument("--server-url", default=settings.GROWATT_DEMO_SERVER,
                            help="the simulator's address (default %(default)s)")

    def handle(self, *args, server_url, **options):
        User = get_user_model()
        user, created = User.objects.get_or_create(username="demo", defaults={"email": "demo@example.com"})
        if created:
            user.set_password("demo")
            user.save()
        family, family_created = User.objects.get_or_create(username="family",
                                                            defaults={"email": "family@example.com"})
        if family_created:
            family.set_password("family")
            family.save()
        account, acc_created = GrowattAccount.objects.get_or_create(
            owner=user, username="demo", server_url=server_url,
            defaults={"label": "Demo (simulator)", "password": "demo"},
        )
        if not acc_created:
            # A restart of the demo: sync right away.
            GrowattAccount.objects.filter(pk=account.pk).update(next_sync_at=timezone.now())
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: web login demo / demo (and family / family); Growatt account {account.pk} on {server_url}"
        ))
        self.stdout.write(self.style.WARNING(DEMO_WARNING))
