from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from twofactor.models import Activity, RefusedAttempts
from twofactor.status import TwoFactorStatus


def _codes_left(choice: str) -> bool:
    return choice == "left"


class TeammateFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by name or email"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("2FA status"),
        required=False,
        choices=[("", _("Any"))] + list(TwoFactorStatus.choices),
    )
    # Cleaned to whether the people listed have codes left: True, False, or None for anyone.
    recovery_codes = forms.TypedChoiceField(
        label=_("Recovery codes"),
        required=False,
        choices=[("", _("Any")), ("left", _("Codes left")), ("none", _("No recovery codes"))],
        coerce=_codes_left,
        empty_value=None,
    )


class ActivityFilterForm(forms.Form):
    person = forms.EmailField(label=_("Person (email)"), max_length=254, required=False)
    kind = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Any"))] + list(Activity.Kind.choices) + list(RefusedAttempts.Kind.choices),
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
