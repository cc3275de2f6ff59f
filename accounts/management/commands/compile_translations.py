from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Compile locale/<language>/LC_MESSAGES/*.po into .mo files, in Python (no GNU gettext "
        "needed). Fuzzy and untranslated entries are left out, as msgfmt does."
    )

    def handle(self, *args, **options):
        catalogues = sorted(
            path
            for folder in settings.LOCALE_PATHS
            for path in Path(folder).glob("*/LC_MESSAGES/*.po")
        )
        if not catalogues:
            raise CommandError("No .po catalogue under LOCALE_PATHS.")
        for path in catalogues:
            catalogue = polib.pofile(str(path))
            target = path.with_suffix(".mo")
            catalogue.save_as_mofile(str(target))
            done = catalogue.percent_translated()
            self.stdout.write(f"{target.relative_to(settings.BASE_DIR)}: {done}% translated")
