
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_failures_to_the_person(apps, schema_editor):
    """Each person's count of wrong codes was kept on every authenticator of theirs (all
    written alike); it becomes the one row of each person with an authenticator, with the
    highest count and the latest failure's time."""
    Authenticator = apps.get_model("twofactor", "Authenticator")
    CodeThrottle = apps.get_model("twofactor", "CodeThrottle")
    counted = {}
    rows = (
        Authenticator.objects.filter(confirmed=True)
        .values_list("user_id", "throttling_failure_count", "throttling_failure_timestamp")
        .iterator()
    )
    for user_id, count, at in rows:
        known_count, known_at = counted.get(user_id, (0, None))
        latest = max((t for t in (at, known_at) if t is not None), default=None)
        counted[user_id] = (max(count, known_count), latest)
    CodeThrottle.objects.bulk_create(
        [
            CodeThrottle(
                user_id=user_id, throttling_failure_count=count, throttling_failure_timestamp=at
            )
            for user_id, (count, at) in counted.items()
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_search_trigram_indexes'),
        ('twofactor', '0002_indexes_for_lists'),
    ]

    operations = [
        migrations.CreateModel(
            name='CodeThrottle',
            fields=[
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='code_throttle', serialize=False, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'code entry',
                'verbose_name_plural': 'code entry',
            },
            bases=(models.Model,),
        ),
        migrations.RunPython(move_failures_to_the_person, migrations.RunPython.noop),
        migrations.RemoveIndex(
            model_name='authenticator',
            name='authenticator_failure_idx',
        ),
        migrations.RemoveField(
            model_name='authenticator',
            name='throttling_failure_count',
        ),
        migrations.RemoveField(
            model_name='authenticator',
            name='throttling_failure_timestamp',
        ),
        migrations.AddIndex(
            model_name='codethrottle',
            index=models.Index(fields=['throttling_failure_timestamp'], name='code_throttle_failure_idx'),
        ),
    ]
