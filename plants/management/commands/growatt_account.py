import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from plants.models import GrowattAccount


class Command(BaseCommand):
    help = "Add or list Growatt accounts (ops tool). The password is read from standard input."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="add a Growatt account for a web user")
        add.add_argument("--owner", required=True, help="growattweb username who owns the account")
        add.add_argument("--label", required=True)
        add.add_argument("--server-url", required=True, help="e.g. https://openapi.growatt.com/")
        add.add_argument("--username", required=True, help="the Growatt username")
        add.add_argument("--password-stdin", action="store_true", required=True,
                         help="read the Growatt password from standard input (never a command-line argument)")
        sub.add_parser("list", help="list accounts and their state")

    def handle(self, *args, action, **options):
        if action == "add":
            return self.add(**options)
        return self.list()

    def add(self, owner, label, server_url, username, password_stdin, **options):
        user = get_user_model().objects.filter(username=owner).first()
        if user is None:
            raise CommandError(f"No growattweb user named {owner!r}.")
        try:
            URLValidator(schemes=["http", "https"])(server_url)
        except ValidationError as exc:
            raise CommandError(f"--server-url is not a valid http(s) URL: {server_url!r}") from exc
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password on standard input.")
        if not server_url.endswith("/"):
            server_url += "/"
        account = GrowattAccount.objects.create(
            owner=user, label=label, server_url=server_url, username=username, password=password
        )
        self.stdout.write(f"Added Growatt account {account.pk} ({label}) for {owner}; it syncs within a minute.")

    def list(self):
        rows = GrowattAccount.objects.select_related("owner").order_by("pk")
        if not rows:
            self.stdout.write("No Growatt accounts.")
        for account in rows:
            self.stdout.write(
                f"{account.pk}\t{account.owner.username}\t{account.label}\t{account.username}\t"
                f"{account.server_url}\t{account.get_state_display()}\t"
                f"last sync: {account.last_sync_at or '-'}\tnext: {account.next_sync_at}"
            )
