"""Invitations: a Manager (or an administrator) asks someone to join a team by email."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither used nor revoked (an expired one is still listed, to be sent again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """One invitation to one address for one team, with the role the person will have.

    The link's token is random and only its SHA-256 digest is kept (``token_hash``): the link
    works while the invitation is pending and unexpired, once. "Resend" gives it a new token
    and expiry (the old link stops working); a newer invitation to the same address for the
    team, "Revoke", and the inviter's deactivation revoke it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        EXPIRED = "expired", _("Expired")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="invitations"
    )
    # Stored normalized as people's emails are (lower case), so matches ignore case.
    email = models.EmailField(_("email"), max_length=254)
    role = models.CharField(
        _("role"), max_length=16, choices=User.Role.choices, default=User.Role.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    # The language of the invitation email and of the page its link opens.
    language = models.CharField(_("language"), max_length=10, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("joined as"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # A newer invitation revokes the older one in the same transaction.
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_pending_invitation_per_address_and_team",
            )
        ]
        indexes = [
            # My Team's pending invitations, newest first.
            models.Index(
                fields=["team", "-sent_at", "-id"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_team_pending_idx",
            ),
            models.Index(
                fields=["invited_by"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_inviter_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.email} · {self.team}"

    def status(self, now=None) -> "Invitation.Status":
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if (now or timezone.now()) >= self.expires_at:
            return self.Status.EXPIRED
        return self.Status.PENDING

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at
