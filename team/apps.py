from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "team"
    verbose_name = "My Team"

    def ready(self):
        """Revoke the pending invitations of a person accounts deactivates."""
        from accounts import signals

        from . import receivers

        signals.person_deactivated.connect(
            receivers.person_deactivated, dispatch_uid="team.person_deactivated"
        )
