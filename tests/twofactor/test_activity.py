"""Activity records written together: the code step's records (and any action's inside
``activity_written_together``) go to the database with one INSERT, or not at all."""

import pytest

from twofactor.models import Activity
from twofactor.services.activity import RequestMeta, activity_written_together, record_activity

META = RequestMeta("203.0.113.5", "Firefox")


def record(user, kind):
    return record_activity(kind=kind, subject=user, actor=user, request_meta=META)


def test_records_of_a_block_are_written_at_its_end_with_one_insert(
    member, django_assert_num_queries
):
    with django_assert_num_queries(1), activity_written_together():
        record(member, Activity.Kind.CODE_ACCEPTED)
        record(member, Activity.Kind.BROWSER_TRUSTED)
    kinds = sorted(Activity.objects.filter(subject=member).values_list("kind", flat=True))
    assert kinds == [Activity.Kind.BROWSER_TRUSTED, Activity.Kind.CODE_ACCEPTED]


def test_records_of_a_block_that_fails_are_not_written(member):
    with pytest.raises(RuntimeError), activity_written_together():
        record(member, Activity.Kind.CODE_ACCEPTED)
        raise RuntimeError("the action failed")
    assert not Activity.objects.exists()
    # and recording outside a block writes at once again
    record(member, Activity.Kind.SIGNED_IN)
    assert Activity.objects.count() == 1


def test_an_inner_block_leaves_the_writing_to_the_outer_one(member, django_assert_num_queries):
    with django_assert_num_queries(1), activity_written_together():
        record(member, Activity.Kind.PASSWORD_ACCEPTED)
        with activity_written_together():
            record(member, Activity.Kind.CODE_ACCEPTED)
        record(member, Activity.Kind.BROWSER_TRUSTED)
    assert Activity.objects.filter(subject=member).count() == 3
