from django.urls import path

from .models import Passkey
from .views import code, manage_access, not_me, passkeys, recovery_codes, reset, setup, step_up

app_name = "twofactor"

urlpatterns = [
    path("code/", code.code, name="code"),
    path("code/recovery/", code.recovery_code, name="recovery_code"),
    path("code/passkey/begin/", passkeys.begin_sign_in, name="passkey_sign_in_begin"),
    path("code/passkey/complete/", passkeys.complete_sign_in, name="passkey_sign_in_complete"),
    path("lost-phone/", code.lost_phone, name="lost_phone"),
    path("confirm/", step_up.confirm_code, name="confirm_code"),
    path("confirm/recovery/", step_up.confirm_recovery_code, name="confirm_recovery_code"),
    path("confirm/passkey/begin/", passkeys.begin_confirmation, name="passkey_confirmation_begin"),
    path(
        "confirm/passkey/complete/",
        passkeys.complete_confirmation,
        name="passkey_confirmation_complete",
    ),
    path("setup/", setup.setup, name="setup"),
    path("setup/app/", setup.setup_app, name="setup_app"),
    path("setup/scan/", setup.setup_scan, name="setup_scan"),
    path("setup/verify/", setup.setup_verify, name="setup_verify"),
    path("setup/name/", setup.setup_name, name="setup_name"),
    path("manage/", manage_access.manage, name="manage"),
    path(
        "manage/recovery-codes/",
        recovery_codes.generate_recovery_codes,
        name="generate_recovery_codes",
    ),
    path(
        "recovery-codes/not-now/",
        recovery_codes.dismiss_recovery_codes_prompt,
        name="dismiss_recovery_codes_prompt",
    ),
    path(
        "manage/browsers/<int:browser_id>/revoke/",
        manage_access.revoke_browser,
        name="revoke_browser",
    ),
    path(
        "manage/browsers/revoke-others/",
        manage_access.revoke_other_browsers,
        name="revoke_other_browsers",
    ),
    path(
        "manage/sign-out-everywhere-else/",
        manage_access.sign_out_everywhere_else,
        name="sign_out_everywhere_else",
    ),
    path(
        "manage/authenticators/<int:authenticator_id>/rename/",
        manage_access.rename_authenticator,
        name="rename_authenticator",
    ),
    path(
        "manage/authenticators/<int:authenticator_id>/remove/",
        manage_access.remove_authenticator,
        name="remove_authenticator",
    ),
    path("manage/passkeys/add/", passkeys.add_passkey, name="add_passkey"),
    path(
        "manage/passkeys/add/begin/",
        passkeys.begin_registration,
        name="passkey_registration_begin",
    ),
    path(
        "manage/passkeys/add/complete/",
        passkeys.complete_registration,
        name="passkey_registration_complete",
    ),
    path("manage/passkeys/name/", passkeys.name_passkey, name="name_passkey"),
    path(
        "manage/passkeys/<int:authenticator_id>/rename/",
        manage_access.rename_authenticator,
        {"model": Passkey},
        name="rename_passkey",
    ),
    path(
        "manage/passkeys/<int:authenticator_id>/remove/",
        manage_access.remove_authenticator,
        {"model": Passkey},
        name="remove_passkey",
    ),
    path("reset/", reset.reset_own, name="reset_own"),
    path("reset/request/", reset.request_reset, name="request_reset"),
    path("not-me/done/", not_me.not_me_done, name="not_me_done"),
    path("not-me/<str:uidb64>/<str:event>/<str:token>/", not_me.not_me, name="not_me"),
]
