from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from . import throttle
from .models import User
from .widgets import PlainSelect, TimeZoneChoices


class ThrottledPasswordForm(forms.Form):
    """A form in which a person types their password, checked by ``passwords.check_password_form``.

    That check gives the form the ``password_attempt`` (``throttle.PasswordAttempt``); the form
    calls ``refuse_if_throttled`` right before it checks the password, which takes the attempt's
    slots in the throttle: past a limit the password is not checked at all and the form says so.
    ``wrong_password`` names the field and the error code of a wrong password; ``authenticates``
    says whether the form checks the password through ``authenticate()`` (which announces a
    failure itself). ``deactivated_user`` is set when the password was right but its owner is
    deactivated: a refusal that the throttle counts as a failure.
    """

    error_messages = {
        # The same words whether or not the account exists.
        "throttled": _(
            "Too many failed sign-in attempts. Wait %(minutes)s minutes, then try again."
        ),
    }
    wrong_password: tuple[str, str]
    authenticates = False
    password_attempt: throttle.PasswordAttempt | None = None
    deactivated_user: User | None = None

    def refuse_if_throttled(self) -> None:
        if self.password_attempt is None:
            raise RuntimeError("The password is checked through passwords.check_password_form.")
        if self.password_attempt.take_slots():
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": throttle.lock_minutes()},
            )

    def has_wrong_password(self) -> bool:
        return self.has_error(*self.wrong_password)


def password_field(**attrs) -> forms.CharField:
    return forms.CharField(
        label=_("Password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", **attrs}),
    )


class SignInForm(ThrottledPasswordForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = password_field()

    error_messages = {
        **ThrottledPasswordForm.error_messages,
        # One message for an unknown email and a wrong password (a deactivated account's too),
        # so the page does not tell which accounts exist.
        "invalid_login": _("The email or password is not correct."),
        # Said only after the right password, so it tells nothing to whoever does not know it.
        "deactivated": _(
            "Your account is deactivated. Contact a Manager of your team to have it reactivated."
        ),
    }
    wrong_password = ("__all__", "invalid_login")
    authenticates = True

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        email = self.cleaned_data.get("email")
        password = self.cleaned_data.get("password")
        if email and password:
            self.refuse_if_throttled()
            self.user = authenticate(self.request, email=email, password=password)
            if self.user is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_login"], code="invalid_login"
                )
            if not self.user.is_active:
                self.deactivated_user, self.user = self.user, None
                raise forms.ValidationError(self.error_messages["deactivated"], code="deactivated")
        return self.cleaned_data

    def get_user(self):
        return self.user


class PasswordConfirmForm(ThrottledPasswordForm):
    """Re-enter the password of the signed-in user (recent authentication)."""

    password = password_field(autofocus=True)

    error_messages = {
        **ThrottledPasswordForm.error_messages,
        "wrong_password": _("That is not your password. Try again."),
    }
    wrong_password = ("password", "wrong_password")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        self.refuse_if_throttled()
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
        # The help names the empty option exactly as the list shows it.
        help_texts = {
            "language": _("Used for pages and emails; “As my browser” follows your browser.")
        }
        widgets = {"language": PlainSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The languages in their own words, as the footer's picker names them too.
        self.fields["language"].choices = [("", _("As my browser"))] + list(settings.LANGUAGES)
        self.fields["time_zone"].choices = TimeZoneChoices()


class PasswordChangeForm(ThrottledPasswordForm, auth_forms.PasswordChangeForm):
    """Django's form (old password, new password twice, the validators), throttled."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        **ThrottledPasswordForm.error_messages,
    }
    wrong_password = ("old_password", "password_incorrect")

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].max_length = 4096

    def clean_old_password(self):
        self.refuse_if_throttled()
        return super().clean_old_password()

    def save(self, commit=True):  # the change is services.change_password's job
        raise NotImplementedError("Use accounts.services.change_password.")


class ForgotPasswordForm(forms.Form):
    """The email to send a reset link to; the answer is the same whether or not it has an
    account (``views.forgot_password``)."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    error_messages = {
        # Counted per typed email and per address, never per account: the same for every email.
        "throttled": _(
            "Too many reset links were asked for. Wait %(minutes)s minutes, then try again."
        ),
    }


class ChooseNewPasswordForm(auth_forms.SetPasswordForm):
    """A new password twice, checked by Django's validators (``AUTH_PASSWORD_VALIDATORS``)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")
        self.fields["new_password1"].widget.attrs["autofocus"] = True
        for name in ("new_password1", "new_password2"):
            self.fields[name].max_length = 4096

    def save(self, commit=True):  # saving is services.reset_forgotten_password's job
        raise NotImplementedError("Use accounts.services.reset_forgotten_password.")
