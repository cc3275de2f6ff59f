"""Session engines: Django's database sessions (``accounts.sessions.db``) and Redis in front of
them (``accounts.sessions.cached_db``), with a new key written once.

At sign-in Django's ``cycle_key`` checks that a new key is free, inserts the new row at once,
reads the old row and deletes it, and the response then updates the new row again: six
statements in three transactions on the busiest request of the portal. Here ``cycle_key`` only
picks the new key, and the response's save renames the old row to it with the new data: one
UPDATE. A key is 32 random characters (165 bits), so nothing asks first whether it is free; a
clash would be refused by the primary key and another key taken.

The old key stops working when the response is saved, as with Django's engines; the old row
never holds the signed-in state. Writes of an ordinary request are one UPDATE outside any
transaction of their own (the one statement is atomic by itself).
"""
