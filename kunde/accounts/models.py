import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    FINANCE = "finance", _("Finance")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    READ_ONLY = "read_only", _("Read-only")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.READ_ONLY)

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
