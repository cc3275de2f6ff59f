from django.core.management.base import BaseCommand
from django.db import transaction

from twofactor import crypto
from twofactor.models import Authenticator


class Command(BaseCommand):
    help = (
        "Re-encrypt every authenticator key with the first key of TWOFACTOR_ENCRYPTION_KEYS. "
        "Run after putting a new key first; the old keys can then be removed."
    )

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            rows = Authenticator.objects.select_for_update().only("pk", "encrypted_key")
            for device in rows.iterator(chunk_size=500):
                device.encrypted_key = crypto.reencrypt(device.encrypted_key)
                device.save(update_fields=["encrypted_key"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} authenticator key(s) with the first key.")
