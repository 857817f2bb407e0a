from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from plants.crypto import EncryptionKeyError, rotate
from plants.models import GrowattAccount


class Command(BaseCommand):
    help = "Re-encrypt every stored Growatt secret with the newest key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        table = GrowattAccount._meta.db_table
        columns = ["password", "session_data"]
        done = 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {', '.join(columns)} FROM {table}")  # noqa: S608 - fixed names
            rows = cursor.fetchall()
            for pk, *tokens in rows:
                try:
                    fresh = [rotate(token) if token else token for token in tokens]
                except EncryptionKeyError as exc:
                    raise CommandError(f"account {pk}: {exc}") from exc
                cursor.execute(
                    f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE id = %s",  # noqa: S608
                    [*fresh, pk],
                )
                done += 1
        self.stdout.write(f"Re-encrypted the secrets of {done} Growatt account(s) with the newest key.")
