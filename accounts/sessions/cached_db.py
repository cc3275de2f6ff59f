"""Sessions read from the cache (Redis) and written through to the database, with a new key
written once (see the package's docstring)."""

from django.contrib.sessions.backends.cached_db import SessionStore as DjangoCachedSessionStore

from . import db


class SessionStore(DjangoCachedSessionStore, db.SessionStore):
    # DjangoCachedSessionStore.save writes the database through db.SessionStore.save, then the
    # cache under the new key; the old key's cache entry goes here.
    def _forget(self, session_key) -> None:
        self._cache.delete(self.cache_key_prefix + session_key)
