"""Trigram indexes for My Team's search (icontains on name and email), on PostgreSQL only.

Django's icontains becomes ``UPPER(column::text) LIKE UPPER('%term%')`` on PostgreSQL; a B-tree
cannot serve a pattern with a leading wildcard, a GIN index of pg_trgm trigrams on the same
expression can. SQLite (the embedded mode) has no such index type and migrates without them:
its search reads the team's rows through user_team_name_idx.

pg_trgm is a trusted extension (PostgreSQL 13 and later): the database owner may create it.
"""

from django.db import migrations

INDEXES = {
    "user_full_name_trgm_idx": "full_name",
    "user_email_trgm_idx": "email",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON accounts_user "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_indexes_for_lists"),
    ]

    operations = [
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes, elidable=False),
    ]
