"""Database sessions with a new key written once (see the package's docstring)."""

import contextlib

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.utils.crypto import get_random_string


def _savepoint_if_in_transaction(using):
    """A refused statement inside a transaction would break it: there, a savepoint around it.
    Outside one (the session middleware's save), the statement is atomic on its own."""
    if connections[using].in_atomic_block:
        return transaction.atomic(using=using)
    return contextlib.nullcontext()


class SessionStore(DjangoSessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        # After cycle_key, until the save: the new key is not in the database yet, and the key
        # the row there has (None if there is no row: a session never saved).
        self._rotated = False
        self._replaced_key = None

    def _get_new_session_key(self):
        # 165 random bits: the primary key refuses the impossible clash (CreateError, retried).
        return get_random_string(32, VALID_KEY_CHARS)

    def cycle_key(self):
        data = self._session  # loaded under the old key before it changes
        if not self._rotated:
            self._rotated = True
            self._replaced_key = self.session_key
        self._session_key = self._get_new_session_key()
        self._session_cache = data
        self.modified = True

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        using = router.db_for_write(self.model)
        if self._rotated:  # whatever the caller asks, the old row must not outlive its key
            self._rename(data, using)
        elif must_create:
            self._insert(self.create_model_instance(data), using)
        else:
            try:
                self.create_model_instance(data).save(force_update=True, using=using)
            except DatabaseError as error:  # the row is gone: signed out elsewhere, or expired
                raise UpdateError from error

    def _insert(self, row, using) -> None:
        """INSERT the row; a key already taken is CreateError."""
        try:
            with _savepoint_if_in_transaction(using):
                row.save(force_insert=True, using=using)
        except IntegrityError as error:
            raise CreateError from error

    def _rename(self, data, using) -> None:
        """The old row takes the new key and the new data; without an old row, a new one."""
        old_key = self._replaced_key
        while True:
            row = self.create_model_instance(data)
            try:
                renamed = old_key is not None and self._update_key(old_key, row, using)
                if not renamed:
                    self._insert(row, using)
                break
            except (IntegrityError, CreateError):  # the new key is taken: another one
                self._session_key = self._get_new_session_key()
        self._rotated = False
        self._replaced_key = None
        if old_key is not None:
            self._forget(old_key)

    def _update_key(self, old_key, row, using) -> bool:
        with _savepoint_if_in_transaction(using):
            return bool(
                self.model.objects.using(using)
                .filter(session_key=old_key)
                .update(
                    session_key=row.session_key,
                    session_data=row.session_data,
                    expire_date=row.expire_date,
                )
            )

    def _forget(self, session_key) -> None:
        """Hook: what else must drop an old key (the cache of ``cached_db``)."""

    def delete(self, session_key=None):
        if session_key in (None, self.session_key):
            if self._replaced_key is not None:
                # flush() after cycle_key: the row in the database still has the old key.
                super().delete(self._replaced_key)
                self._forget(self._replaced_key)
            self._rotated = False
            self._replaced_key = None
        super().delete(session_key)
