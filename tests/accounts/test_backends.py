"""The authentication backend: the person of a request is one query of their own row."""

from accounts.backends import PortalBackend


def test_the_person_of_a_request_is_one_query_with_all_every_page_reads(
    member, django_assert_num_queries
):
    with django_assert_num_queries(1):
        user = PortalBackend().get_user(member.pk)
        assert user.get_deferred_fields() == set()
        assert (user.security_stamp, user.role, user.team_id) == (
            member.security_stamp,
            member.role,
            member.team_id,
        )
    with django_assert_num_queries(1):  # the team only for the pages that show it
        assert user.team.name == "Acme"


def test_an_inactive_or_missing_person_is_nobody(member):
    member.is_active = False
    member.save()
    assert PortalBackend().get_user(member.pk) is None
    assert PortalBackend().get_user(987654) is None
