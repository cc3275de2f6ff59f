"""The authentication backend: the person of a request comes with their team in one query."""

from accounts.backends import PortalBackend


def test_the_person_of_a_request_comes_with_the_team(member, django_assert_num_queries):
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(member.pk)
        assert user.team.name == "Acme"


def test_an_inactive_or_missing_person_is_nobody(member):
    member.is_active = False
    member.save()
    assert PortalBackend().get_user(member.pk) is None
    assert PortalBackend().get_user(987654) is None
