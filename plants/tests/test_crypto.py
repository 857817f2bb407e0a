import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from plants.crypto import EncryptionKeyError
from plants.models import GrowattAccount

pytestmark = pytest.mark.django_db


def raw_row(account_id):
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, session_data, username FROM plants_growattaccount WHERE id = %s",
                       [account_id])
        return cursor.fetchone()


@pytest.fixture
def account(owner):
    return GrowattAccount.objects.create(
        owner=owner, label="Home", server_url="https://openapi.growatt.com/", username="solar-sam",
        password="s3cret-growatt-pw", session_data='{"cookies": [{"name": "JSESSIONID", "value": "ABCDEF0123"}]}',
    )


def test_password_and_session_are_not_stored_in_clear(account):
    password, session, username = raw_row(account.pk)
    assert "s3cret-growatt-pw" not in password
    assert "ABCDEF0123" not in session
    assert password.startswith("gAAAA")  # a Fernet token
    assert username == "solar-sam"  # the username is not a secret
    assert GrowattAccount.objects.get(pk=account.pk).password == "s3cret-growatt-pw"


def test_no_plaintext_secret_in_any_column(account):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM plants_growattaccount")
        for row in cursor.fetchall():
            text = " ".join(str(value) for value in row)
            assert "s3cret-growatt-pw" not in text
            assert "ABCDEF0123" not in text


def test_key_rotation_reencrypts_with_the_newest_key(account, settings):
    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    before = raw_row(account.pk)[0]

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert GrowattAccount.objects.get(pk=account.pk).password == "s3cret-growatt-pw"  # old key still reads
    call_command("rotate_encryption_keys")
    after = raw_row(account.pk)[0]
    assert after != before
    assert Fernet(new_key.encode()).decrypt(after.encode()).decode() == "s3cret-growatt-pw"

    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key retired
    fresh = GrowattAccount.objects.get(pk=account.pk)
    assert fresh.password == "s3cret-growatt-pw"
    assert "ABCDEF0123" in fresh.session_data


def test_wrong_key_is_a_clear_error_not_ciphertext(account, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(EncryptionKeyError, match="cannot be decrypted"):
        GrowattAccount.objects.get(pk=account.pk)


def test_missing_key_is_a_clear_error(account, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    with pytest.raises(EncryptionKeyError, match="empty"):
        GrowattAccount.objects.get(pk=account.pk)


def test_rotation_with_unknown_key_fails_loudly(account, settings):
    from django.core.management.base import CommandError

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="no configured key"):
        call_command("rotate_encryption_keys")


def test_repr_and_dumpdata_hide_secrets(account, capsys):
    assert "s3cret" not in repr(account)
    call_command("dumpdata", "plants.growattaccount")
    out = capsys.readouterr().out
    assert "s3cret-growatt-pw" not in out and "ABCDEF0123" not in out
