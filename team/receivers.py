"""What My Team does when accounts announces something: a deactivated person's pending
invitations are revoked, so no link they sent still lets someone in.

Connected by ``TeamConfig.ready``.
"""

from twofactor.services.activity import RequestMeta

from .services.invitations import revoke_invitations_sent_by


def person_deactivated(sender, person, actor, request=None, **kwargs):
    """accounts' ``person_deactivated``, inside the deactivation's transaction."""
    meta = RequestMeta.from_request(request) if request is not None else RequestMeta()
    revoke_invitations_sent_by(inviter=person, actor=actor, request_meta=meta)
