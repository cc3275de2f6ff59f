"""``seed_load``, the benchmarks' big team: it runs, and what it makes reads back through the
portal's own rules (the statuses My Team shows)."""

from django.core.management import call_command

from accounts.models import Team
from team import selectors
from twofactor.models import Activity, Authenticator, CodeThrottle
from twofactor.status import TwoFactorStatus


def test_seed_load_makes_a_team_in_every_state(db, capsys):
    call_command("seed_load", members=1500, activity=1, seed=3)

    team = Team.objects.get(name="Load")
    assert team.members.count() == 1501  # the Manager and the members
    on = selectors.count_teammates(team, status=TwoFactorStatus.ON)
    locked = selectors.count_teammates(team, status=TwoFactorStatus.LOCKED)
    assert on > 0 and locked > 0
    # Everyone with an authenticator has a code-entry row, as the wizard leaves it.
    with_authenticator = Authenticator.objects.filter(user__team=team, confirmed=True)
    assert CodeThrottle.objects.filter(user__team=team).count() == (
        with_authenticator.values("user").distinct().count()
    )
    assert Activity.objects.filter(team=team).count() == 1501  # one each
    assert "Team Load" in capsys.readouterr().out
