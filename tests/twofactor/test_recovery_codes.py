"""Recovery codes (rule 11): stored only as digests, each usable once, under the person's
back-off and lock, deleted by a reset."""

import pytest
from django.apps import apps
from django.db import connection, models

from tests.conftest import code_failures, lock_code_entry
from twofactor import app_settings, recovery, selectors
from twofactor.models import Activity, RecoveryCode, RecoveryCodes
from twofactor.services.activity import RequestMeta
from twofactor.services.codes import CodeOutcome, verify_recovery_code
from twofactor.services.recovery_codes import create_recovery_codes
from twofactor.services.resets import reset_two_factor

META = RequestMeta(ip_address="198.51.100.7", user_agent="Firefox")


def use(user, code):
    return verify_recovery_code(user=user, code=code, request_meta=META)


@pytest.fixture
def codes(member, member_device):
    return create_recovery_codes(user=member, request_meta=META)


def test_a_new_set_has_ten_formatted_unique_codes(codes):
    assert len(codes) == len(set(codes)) == 10
    assert all(code == recovery.format_code(recovery.normalize(code)) for code in codes)


def test_only_digests_are_stored_the_plain_codes_are_nowhere_in_the_database(codes):
    variants = set()
    for code in codes:
        canonical = recovery.normalize(code)
        variants |= {code, canonical, canonical.lower(), recovery.format_code(canonical).upper()}
    for model in apps.get_models():
        text_fields = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        for row in model.objects.values_list(*text_fields) if text_fields else []:
            blob = " ".join(str(value) for value in row)
            assert not any(v in blob for v in variants), model
    with connection.cursor() as cursor:  # the sessions and the cache too, as raw text
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            blob = " ".join(str(value) for row in cursor.fetchall() for value in row)
            assert not any(v in blob for v in variants), table
    assert RecoveryCode.objects.count() == 10


def test_a_code_works_once(member, codes):
    assert use(member, codes[0]).accepted
    second = use(member, codes[0])
    assert second.outcome is CodeOutcome.REPLAYED


def test_input_is_read_whatever_the_case_dash_or_spaces(member, codes):
    typed = codes[1].upper().replace("-", "  ")
    assert use(member, typed).accepted


def test_use_records_the_activity_and_emails_the_count_left(member, codes, mailoutbox):
    use(member, codes[0])
    use(member, codes[1])
    used = Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODE_USED).order_by("pk")
    assert [record.detail["left"] for record in used] == [9, 8]
    assert Activity.objects.filter(kind=Activity.Kind.CODE_ACCEPTED).count() == 2
    assert len(mailoutbox) == 2
    assert mailoutbox[-1].subject == "A recovery code was used on your account"
    assert "You have 8 recovery codes left" in mailoutbox[-1].body
    assert not any(code in mail.body for mail in mailoutbox for code in codes)
    assert selectors.recovery_codes_summary(member)[0] == 8


def test_the_email_says_one_code_left_in_the_singular(member, codes, mailoutbox):
    for code in codes[:9]:
        use(member, code)
    assert "You have 1 recovery code left." in mailoutbox[-1].body


def test_regenerated_away_codes_stop_working_at_once(member, codes, clock):
    new = create_recovery_codes(user=member, request_meta=META)
    assert use(member, codes[0]).outcome is CodeOutcome.WRONG
    clock.shift(60)  # past the back-off of that wrong code
    assert use(member, new[0]).accepted
    assert RecoveryCodes.objects.filter(user=member).count() == 1
    assert RecoveryCode.objects.count() == 10


def test_first_set_is_created_then_regenerated(member, codes):
    create_recovery_codes(user=member, request_meta=META)
    kinds = list(
        Activity.objects.filter(kind__startswith="recovery_codes")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [Activity.Kind.RECOVERY_CODES_CREATED, Activity.Kind.RECOVERY_CODES_REGENERATED]


def test_another_persons_code_is_refused(member, manager, manager_device, codes, clock):
    create_recovery_codes(user=manager, request_meta=META)
    assert use(manager, codes[0]).outcome is CodeOutcome.WRONG
    assert use(member, codes[0]).accepted


def test_wrong_recovery_codes_count_in_the_person_back_off_and_lock(member, codes, clock):
    for number in range(app_settings.lock_after_failures()):
        clock.shift(3600)  # past any back-off
        result = use(member, "zzzzz-zzzzz")
        assert code_failures(member) == number + 1
    assert result.outcome is CodeOutcome.LOCKED


def test_a_locked_persons_correct_recovery_code_is_refused(member, codes, clock):
    lock_code_entry(member)
    assert use(member, codes[0]).outcome is CodeOutcome.LOCKED
    assert selectors.recovery_codes_summary(member)[0] == 10


def test_a_correct_recovery_code_ends_the_run_of_failures(member, codes, clock):
    use(member, "zzzzz-zzzzz")
    clock.shift(60)
    assert use(member, codes[0]).accepted
    assert code_failures(member) == 0


def test_recovery_codes_do_not_count_as_two_factor_being_on(member, codes, member_device):
    member_device.delete()
    assert not selectors.has_authenticator(member)
    assert not selectors.two_factor_summary(member).enabled


def test_a_reset_deletes_the_recovery_codes(member, manager, codes):
    reset_two_factor(actor=manager, member=member, request_meta=META)
    assert not RecoveryCodes.objects.filter(user=member).exists()
    assert not RecoveryCode.objects.exists()
    assert selectors.recovery_codes_summary(member) is None
    assert use(member, codes[0]).outcome is CodeOutcome.NO_AUTHENTICATOR


def test_summary_says_how_many_are_left_and_when_they_were_made(member, codes):
    left, created_at = selectors.recovery_codes_summary(member)
    assert left == 10
    assert created_at == RecoveryCodes.objects.get(user=member).created_at
