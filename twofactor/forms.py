from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import recovery, totp


class CodeInput(forms.TextInput):
    """A code's input, empty again after a submission (as a password's): a refused code is
    typed anew, and a typed code is never written back into a page."""

    render_value = False

    def get_context(self, name, value, attrs):
        return super().get_context(name, None, attrs)


# A refused code's wait, in the words of the code forms (``views.code.wait_message``): a
# moment under ``views.code.SHORT_WAIT_SECONDS``, else in seconds, or minutes from one minute.
CODE_WAIT_MESSAGES = {
    "throttled": _("Too many wrong codes. Wait a moment and try again."),
    "throttled_seconds": ngettext_lazy(
        "Too many wrong codes. Wait %(count)s second, then try again.",
        "Too many wrong codes. Wait %(count)s seconds, then try again.",
        "count",
    ),
    "throttled_minutes": ngettext_lazy(
        "Too many wrong codes. Wait %(count)s minute, then try again.",
        "Too many wrong codes. Wait %(count)s minutes, then try again.",
        "count",
    ),
}


class CodeField(forms.CharField):
    """The 6-digit code from the app; spaces and dashes are allowed ("123 456")."""

    default_error_messages = {
        "malformed": _("Enter the 6-digit code that your authenticator app shows."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Security code"))
        kwargs.setdefault(
            "widget",
            CodeInput(
                attrs={
                    "inputmode": "numeric",
                    "autocomplete": "one-time-code",
                    "maxlength": "20",
                    "pattern": r"[0-9 \-]*",
                    "autofocus": True,
                    "data-code-input": "",
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        code = totp.normalize_code(value)
        if code is None:
            raise forms.ValidationError(self.error_messages["malformed"], code="malformed")
        return code


class CodeForm(forms.Form):
    code = CodeField()

    error_messages = {
        "wrong": _(
            "That code is not correct. Check that your phone sets its date and time "
            "automatically, then type the code the app shows now."
        ),
        "replayed": _("That code has already been used. Wait for the next code in your app."),
        **CODE_WAIT_MESSAGES,
        "locked": _(
            "Code entry is locked after too many wrong codes. Try again after %(time)s, or ask "
            "a Manager of your team to reset your two-factor authentication."
        ),
    }


class RecoveryCodeField(forms.CharField):
    """A recovery code: case, dashes and spaces do not matter; I and L read as 1, O as 0."""

    default_error_messages = {
        "malformed": _(
            "That is not a recovery code. A recovery code has 10 letters and digits, like "
            "7kq4m-x9r2t."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Recovery code"))
        kwargs.setdefault(
            "widget",
            CodeInput(
                attrs={
                    "autocomplete": "off",
                    "autocapitalize": "none",
                    "maxlength": "40",
                    "autofocus": True,
                    "spellcheck": "false",
                }
            ),
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        code = recovery.normalize(value)
        if code is None:
            raise forms.ValidationError(self.error_messages["malformed"], code="malformed")
        return code


class RecoveryCodeForm(forms.Form):
    """A recovery code in place of the app's code (the same checks, its own messages)."""

    code = RecoveryCodeField()

    error_messages = {
        "wrong": _("That recovery code is not correct. Check it and try again."),
        "replayed": _("That recovery code has already been used. Use another one."),
        **CODE_WAIT_MESSAGES,
        "locked": CodeForm.error_messages["locked"],
    }


class AuthenticatorNameForm(forms.Form):
    name = forms.CharField(
        label=_("Device name"),
        max_length=64,
        help_text=_('For example "My personal phone".'),
        error_messages={"required": _("Give the device a name, for example “My personal phone”.")},
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class PasskeyNameForm(AuthenticatorNameForm):
    """The name of a passkey or security key: what the person will recognise it by."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["name"]
        field.label = _("Name")
        field.help_text = _("For example “YubiKey 5C” or “MacBook Touch ID”.")
        field.error_messages["required"] = _(
            "Give the passkey or security key a name, for example “YubiKey 5C”."
        )
