import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="team_name_unique_ci",
                violation_error_message=_("A team with this name already exists."),
            ),
        ]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """Emails are compared without regard to case, so they are stored in lower case."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        MANAGER = "manager", _("Manager")

    email = models.EmailField(_("email"), max_length=254, unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        related_name="members",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Platform administrators may have no team."),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Can sign in to the administration site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Used for pages and emails; empty follows the browser."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        help_text=_("Used for dates and times; empty uses the portal's default."),
    )
    # Folded into the session hash and into trusted browsers: changing it signs the user out
    # everywhere and voids every trusted browser at once (see rotate_security_stamp).
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # My Team lists a team by name: the index gives a page in order without sorting the team.
        # Its search (icontains on name and email) has trigram indexes on PostgreSQL, made by
        # migration 0003 (PostgreSQL only).
        indexes = [models.Index(fields=["team", "full_name", "email"], name="user_team_name_idx")]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("A user with this email already exists."),
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def save(self, *args, **kwargs):
        self.email = type(self).objects.normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_manager(self) -> bool:
        return self.team_id is not None and self.role == self.Role.MANAGER

    def set_password(self, raw_password):
        super().set_password(raw_password)
        # A new password voids every session and trusted browser of the old one.
        self.security_stamp = new_security_stamp()

    def check_password(self, raw_password):
        def upgrade_hash(raw_password):
            # Rehashing with a newer hasher is not a password change: the stamp stays.
            AbstractBaseUser.set_password(self, raw_password)
            self._password = None
            self.save(update_fields=["password"])

        return check_password(raw_password, self.password, upgrade_hash)

    def rotate_security_stamp(self) -> None:
        """Sign the user out everywhere and void every trusted browser (caller saves)."""
        self.security_stamp = new_security_stamp()

    def _get_session_auth_hash(self, secret=None):
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class ThrottleCount(models.Model):
    """One count of the password throttle kept in the database (accounts/throttle.py): the
    attempts of one account or client address in one window. ``key`` names the count and its
    window (with a hash of the email or address, never the text); a row is never read after
    ``expires_at`` and is deleted soon after."""

    key = models.CharField(max_length=120, unique=True)
    count = models.IntegerField(default=0)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at"], name="throttle_count_expires_idx")]

    def __str__(self):
        return f"{self.key}: {self.count}"
