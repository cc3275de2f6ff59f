from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from .models import User
from .widgets import PlainSelect, TimeZoneChoices


class SignInForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        # One message for an unknown email, a wrong password and an inactive account, so the
        # page does not tell which accounts exist.
        "invalid_login": _("The email or password is not correct."),
        # The same words whether or not the account exists.
        "throttled": _(
            "Too many failed sign-in attempts. Wait %(minutes)s minutes, then try again."
        ),
    }

    def __init__(self, request=None, *args, locked_minutes: int = 0, **kwargs):
        """``locked_minutes``: the throttle holds, so the password is not even checked."""
        self.request = request
        self.user = None
        self.locked_minutes = locked_minutes
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.locked_minutes:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": self.locked_minutes},
            )
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.user = authenticate(self.request, email=email, password=password)
            if self.user is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login"
                )
        return self.cleaned_data

    def get_user(self):
        return self.user


class PasswordConfirmForm(forms.Form):
    """Re-enter the password of the signed-in user (recent authentication)."""

    password = forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    error_messages = {
        "wrong_password": _("That is not your password. Try again."),
        "throttled": SignInForm.error_messages["throttled"],
    }

    def __init__(self, user, *args, locked_minutes: int = 0, **kwargs):
        self.user = user
        self.locked_minutes = locked_minutes
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if self.locked_minutes:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": self.locked_minutes},
            )
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                self.error_messages["wrong_password"], code="wrong_password"
            )
        return password


class AdminUserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email"]


class AdminUserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class PreferencesForm(forms.ModelForm):
    """The person's language and time zone."""

    time_zone = forms.ChoiceField(label=_("Time zone"), required=False, widget=PlainSelect)

    class Meta:
        model = User
        fields = ["language", "time_zone"]
        labels = {"language": _("Language")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser"))] + list(settings.LANGUAGES)
        self.fields["time_zone"].choices = TimeZoneChoices()


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new password twice, the validators), throttled."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "throttled": SignInForm.error_messages["throttled"],
    }

    def __init__(self, user, *args, locked_minutes: int = 0, **kwargs):
        self.locked_minutes = locked_minutes
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].max_length = 4096

    def clean_old_password(self):
        if self.locked_minutes:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": self.locked_minutes},
            )
        return super().clean_old_password()

    def save(self, commit=True):  # the change is services.change_password's job
        raise NotImplementedError("Use twofactor.services.change_password.")
