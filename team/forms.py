import re

from django import forms
from django.contrib.auth.forms import SetPasswordMixin
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.widgets import PlainSelect
from twofactor.models import Activity, RefusedAttempts
from twofactor.status import TwoFactorStatus

from . import app_settings
from .app_settings import invitations_per_day


def _codes_left(choice: str) -> bool:
    return choice == "left"


class TeammateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or email"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("2FA status"),
        required=False,
        choices=[("", _("Any"))] + list(TwoFactorStatus.choices),
        widget=PlainSelect,
    )
    # Cleaned to whether the people listed have codes left: True, False, or None for anyone.
    recovery_codes = forms.TypedChoiceField(
        label=_("Recovery codes"),
        required=False,
        choices=[("", _("Any")), ("left", _("Codes left")), ("none", _("No recovery codes"))],
        coerce=_codes_left,
        empty_value=None,
        widget=PlainSelect,
    )


class ActivityFilterForm(forms.Form):
    person = forms.EmailField(label=_("Person (email)"), max_length=254, required=False)
    kind = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Any"))] + list(Activity.Kind.choices) + list(RefusedAttempts.Kind.choices),
        widget=PlainSelect,
    )

    error_messages = {"unknown_person": _("Nobody in your team has this email.")}

    def __init__(self, *args, team, **kwargs):
        self.team = team
        self.person = None
        super().__init__(*args, **kwargs)

    def clean_person(self):
        email = self.cleaned_data["person"]
        if email:
            self.person = User.objects.filter(
                team=self.team, email=User.objects.normalize_email(email)
            ).first()
            if self.person is None:
                raise forms.ValidationError(
                    self.error_messages["unknown_person"], code="unknown_person"
                )
        return email


class InvitationForm(forms.Form):
    """ "Invite teammates": addresses pasted one per line or separated by commas, and a role.

    Cleaned ``emails`` is the list of addresses, normalized and without repeats. Each malformed
    entry gets its own message, naming its line; while any is there nothing is sent, and the
    field keeps every line, so the Manager corrects it and sends the whole list once (sending
    the good ones first would make a second press send them again, voiding the links just
    emailed).
    """

    emails = forms.CharField(
        label=_("Emails"),
        max_length=40_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=User.Role.choices, initial=User.Role.MEMBER, widget=PlainSelect
    )

    error_messages = {
        "required": _("Enter at least one email address."),
        "invalid_entry": _("Line %(line)d: “%(entry)s” is not a valid email address."),
        "too_many": _("Up to %(max)d addresses at once: this list has %(count)d."),
        "limit_reached": _(
            "You can invite up to %(limit)d addresses a day; %(left)d are left today. "
            "Nothing was sent."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emails"].error_messages["required"] = self.error_messages["required"]
        self.fields["emails"].help_text = gettext(
            "One per line, or separated by commas; up to %(max)d at once."
        ) % {"max": app_settings.MAX_ADDRESSES_AT_ONCE}

    def clean_emails(self) -> list[str]:
        errors, emails = [], []
        for number, line in enumerate(self.cleaned_data["emails"].splitlines(), start=1):
            for entry in ENTRY_SEPARATORS.split(line):
                entry = entry.strip()
                if not entry:
                    continue
                address = User.objects.normalize_email(_address_of(entry))
                try:
                    validate_email(address)
                except forms.ValidationError:
                    errors.append(
                        forms.ValidationError(
                            self.error_messages["invalid_entry"],
                            code="invalid_entry",
                            params={"line": number, "entry": entry[:100]},
                        )
                    )
                    continue
                emails.append(address)
        if errors:
            raise forms.ValidationError(errors)
        emails = list(dict.fromkeys(emails))
        if not emails:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(emails) > app_settings.MAX_ADDRESSES_AT_ONCE:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"max": app_settings.MAX_ADDRESSES_AT_ONCE, "count": len(emails)},
            )
        return emails

    def refuse_past_limit(self, left: int) -> None:
        """The service refused the list: it would pass the inviter's daily limit."""
        self.add_error(
            "emails",
            forms.ValidationError(
                self.error_messages["limit_reached"],
                code="limit_reached",
                params={"limit": invitations_per_day(), "left": left},
            ),
        )


ENTRY_SEPARATORS = re.compile(r"[,;]")
NAMED_ADDRESS = re.compile(r"^[^<>]*<([^<>]+)>$")


def _address_of(entry: str) -> str:
    """``Name <address>``, as mail programs copy it, is the address."""
    named = NAMED_ADDRESS.match(entry)
    return named.group(1).strip() if named else entry


class JoinForm(SetPasswordMixin, forms.Form):
    """ "Join <team>": the person's name and a new password (twice), checked by the password
    validators against the invited address and the name."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=_("Password"), label2=_("Password again")
    )

    error_messages = {
        **SetPasswordMixin.error_messages,
        "blank_name": _("Enter your name."),
    }

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)
        for name in ("password1", "password2"):
            self.fields[name].max_length = 4096

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError(self.error_messages["blank_name"], code="blank_name")
        return name

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        person = User(email=self.email, full_name=self.cleaned_data.get("full_name", ""))
        self.validate_password_for_user(person, password_field_name="password1")


class AdminInvitationForm(InvitationForm):
    """The administrators' invitation: the same list and role, and the team."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.order_by("name"))

    field_order = ["team", "emails", "role"]
