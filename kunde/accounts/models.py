import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    FINANCE = "finance", _("Finance")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    READ_ONLY = "read_only", _("Read-only")


class KundeUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser runs the installation: in Kunde's roles that is an administrator.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.READ_ONLY)

    objects = KundeUserManager()

    # What each role may do. Views and the API ask these, never the role directly.
    @property
    def can_edit_customers(self) -> bool:
        return self.is_active and self.role != Role.READ_ONLY

    @property
    def can_edit_company(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def can_manage_finance(self) -> bool:
        return self.is_active and self.role in (Role.ADMIN, Role.FINANCE)

    @property
    def can_manage_users(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    def __str__(self):
        return self.get_full_name() or self.username


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def user_for_key(self, key: str):
        token = self.select_related("user").filter(key_hash=_hash(key)).first()
        return token.user if token and token.user.is_active else None


class ApiToken(models.Model):
    """A token for scripts. Only its hash is stored; the key is shown once, at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self):
        return f"{self.user}: {self.name}"

    @classmethod
    def issue(cls, *, user: User, name: str) -> tuple["ApiToken", str]:
        key = secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, key_hash=_hash(key)), key


class UserChangeAction(models.TextChoices):
    CREATED = "created", _("Created")
    ROLE_CHANGED = "role_changed", _("Role changed")
    DEACTIVATED = "deactivated", _("Deactivated")
    REACTIVATED = "reactivated", _("Reactivated")
    PASSWORD_LINK = "password_link", _("Set-password link made")


class UserChange(models.Model):
    """One change an administrator made to a user: who, when, what. Rows are only ever added
    (`accounts.services`); they outlive the actor (SET_NULL) but not the user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20, choices=UserChangeAction)
    # The parameters, not translated text: {"role": {"old": "read_only", "new": "admin"}}.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user}: {self.action}"

    @property
    def description(self) -> str:
        """The change in the reader's language."""
        role = self.details.get("role")
        if self.action in (UserChangeAction.CREATED, UserChangeAction.ROLE_CHANGED) and role:
            old, new = role.get("old"), role.get("new")
            names = dict(Role.choices)
            if old:
                return _("Role: %(old)s → %(new)s") % {
                    "old": names.get(old, old),
                    "new": names.get(new, new),
                }
            return _("Created as %(role)s") % {"role": names.get(new, new)}
        return str(self.get_action_display())
