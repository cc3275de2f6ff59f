"""What accounts tells the rest of the portal, beside Django's own ``user_logged_in``,
``user_logged_out`` and ``user_login_failed`` (a wrong password, sent by ``authenticate()`` at
sign-in and by ``passwords.check_password_form`` when a signed-in person types theirs again).

accounts knows nothing of what other apps do about these: they connect receivers.
"""

from django.dispatch import Signal

# A password attempt refused by the throttle without the password being checked.
# Arguments: request, email (as typed, normalized; may be empty), blocked_by ("account" or
# "address"), step (None at sign-in, else what the signed-in person was doing).
password_refused = Signal()

# A new password was saved (with its new security stamp), inside the transaction that saved it.
# Arguments: user, actor (who set it: the person, or an administrator), request, and
# through_reset_link (True when it was chosen through the emailed link of a forgotten password;
# the actor is then the person, proven by the link).
password_changed = Signal()

# The right password of a deactivated person: the sign-in is refused (and counted by the
# throttle as a failure). Arguments: request, user.
deactivated_sign_in_refused = Signal()

# A person was deactivated: sent with person=<User>, actor=<User> (who deactivated them) inside
# the deactivation's transaction, so what receivers change (say, withdrawing what the person had
# sent on the team's behalf) commits or rolls back with it.
person_deactivated = Signal()
