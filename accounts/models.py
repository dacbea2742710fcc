import secrets
from typing import Any, ClassVar, Self

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.names import validate_name
from accounts.permissions import Role
from accounts.plans import PlanCode, Resource, get_plan, limit_for, usage_of
from accounts.sealing import SECRET_BYTES, seal, unseal
from accounts.tenancy import TenantQuerySet


class ConsoleUserManager(BaseUserManager["User"]):
    """Users log in with their email; there is no username.

    Not a UserManager: its create_user/create_superuser take an email where
    UserManager's take a username (and its async variants would pass one on).
    """

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    # Setting an inherited field to None removes it (Django's documented way);
    # the stubs type these attributes as fields and cannot express that.
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150, blank=True, validators=[validate_name])

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    # AbstractUser's manager is a UserManager (username first); this one is not.
    objects: ClassVar[ConsoleUserManager] = ConsoleUserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.name or self.email

    def get_short_name(self):
        return self.name or self.email.split("@")[0]

    @property
    def display_name(self):
        return self.name or self.email


class Account(models.Model):
    name = models.CharField(max_length=100, validators=[validate_name])
    plan = models.CharField(max_length=20, choices=PlanCode.choices, default=PlanCode.FREE)
    custom_max_projects = models.PositiveIntegerField(
        null=True, blank=True, help_text="Enterprise only: overrides the plan's project limit."
    )
    custom_max_api_keys = models.PositiveIntegerField(
        null=True, blank=True, help_text="Enterprise only: overrides the plan's API key limit."
    )
    require_mfa = models.BooleanField("require MFA for all members", default=False)
    # K5: new API keys must expire within this many days (null: no maximum).
    # Existing keys are listed as out of policy, never broken.
    max_key_lifetime_days = models.PositiveSmallIntegerField(
        "maximum API key lifetime (days)", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def plan_info(self):
        return get_plan(self.plan)

    def limit(self, resource):
        return limit_for(self, resource)

    @property
    def owner_membership(self):
        return self.memberships.select_related("user").filter(role=Role.OWNER).first()

    @property
    def owner(self):
        membership = self.owner_membership
        return membership.user if membership else None

    @property
    def billing_email(self):
        """Billing mail goes to the Owner (M5): there is no separate address to drift."""
        owner = self.owner
        return owner.email if owner else ""

    def limits_in_use(self) -> list[tuple[Resource, int, int]]:
        """[(resource, used, limit)] for the Account page and the dashboard."""
        return [(resource, usage_of(self, resource), self.limit(resource)) for resource in Resource]

    def seats_used(self):
        """Active members plus pending invites (M1)."""
        return usage_of(self, Resource.MEMBERS)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.READER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["account__name", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="one_membership_per_user"),
            # R1: exactly one Owner; services keep "at least one", the database "at most one".
            models.UniqueConstraint(
                fields=["account"], condition=Q(role=Role.OWNER), name="one_owner_per_account"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) in {self.account}"

    @property
    def is_owner(self):
        return self.role == Role.OWNER


class AuditAction(models.TextChoices):
    """Every change the audit log records (B1): the stored code and the label people read."""

    ACCOUNT_CREATE = "account.create", "Account created"
    ACCOUNT_RENAME = "account.rename", "Account renamed"
    ACCOUNT_REQUIRE_MFA_ON = "account.require_mfa_on", "MFA required for all members"
    ACCOUNT_REQUIRE_MFA_OFF = "account.require_mfa_off", "MFA no longer required"
    ACCOUNT_SUPPORT_UPDATE = "account.support_update", "Plan or limits changed by support"
    ACCOUNT_TRANSFER_OWNERSHIP = "account.transfer_ownership", "Ownership transferred"
    ACCOUNT_TRANSFER_REQUEST = "account.transfer_request", "Ownership transfer requested"
    ACCOUNT_TRANSFER_REQUEST_CANCEL = (
        "account.transfer_request_cancel",
        "Ownership transfer request cancelled",
    )
    ACCOUNT_TRANSFER_REQUEST_REJECT = (
        "account.transfer_request_reject",
        "Ownership transfer request declined",
    )
    MEMBER_INVITE = "member.invite", "Member invited"
    MEMBER_INVITE_RESEND = "member.invite_resend", "Invitation resent"
    MEMBER_INVITE_REVOKE = "member.invite_revoke", "Invitation revoked"
    MEMBER_JOIN = "member.join", "Member joined"
    MEMBER_CHANGE_ROLE = "member.change_role", "Member's role changed"
    MEMBER_REMOVE = "member.remove", "Member removed"
    MEMBER_LEAVE = "member.leave", "Member left"
    USER_CHANGE_EMAIL = "user.change_email", "Sign-in email changed by support"
    USER_MFA_ENABLE = "user.mfa_enable", "MFA turned on"
    USER_MFA_DISABLE = "user.mfa_disable", "MFA turned off"
    USER_RECOVERY_CODES_REGENERATE = "user.recovery_codes_regenerate", "Recovery codes replaced"
    USER_SESSION_END = "user.session_end", "Signed-in session ended"
    PROJECT_CREATE = "project.create", "Project created"
    PROJECT_RENAME = "project.rename", "Project renamed"
    PROJECT_DELETE = "project.delete", "Project deleted"
    APIKEY_CREATE = "apikey.create", "API key created"
    APIKEY_DELETE = "apikey.delete", "API key deleted"
    APIKEY_ROLL = "apikey.roll", "API key rolled"
    APIKEY_SCOPE_CHANGE = "apikey.scope_change", "API key's scope changed"
    APIKEY_ALLOWLIST_CHANGE = "apikey.allowlist_change", "API key's IP allowlist changed"
    APIKEY_EXPIRE = "apikey.expire", "API key expired"
    ACCOUNT_KEY_LIFETIME = "account.key_lifetime", "Maximum API key lifetime changed"
    ADMINKEY_CREATE = "adminkey.create", "Admin key created"
    ADMINKEY_DELETE = "adminkey.delete", "Admin key deleted"
    TRANSCRIPT_CREATE = "transcript.create", "Transcript created"
    TRANSCRIPT_DELETE = "transcript.delete", "Transcript deleted"
    ALERT_CREATE = "alert.create", "Spend alert created"
    ALERT_UPDATE = "alert.update", "Spend alert changed"
    ALERT_DELETE = "alert.delete", "Spend alert deleted"
    SPEND_LIMIT_SET = "spend_limit.set", "Spend limit set"
    SPEND_LIMIT_CLEAR = "spend_limit.clear", "Spend limit cleared"
    BILLING_AUTOPAY_UPDATE = "billing.autopay_update", "Autopay settings changed"
    BILLING_AUTOPAY_TOP_UP = "billing.autopay_top_up", "Autopay top-up"
    INVOICE_CLOSE = "invoice.close", "Invoice issued"
    WEBHOOK_CREATE = "webhook.create", "Webhook endpoint created"
    WEBHOOK_UPDATE = "webhook.update", "Webhook endpoint changed"
    WEBHOOK_DELETE = "webhook.delete", "Webhook endpoint deleted"
    WEBHOOK_ROLL_SECRET = "webhook.roll_secret", "Webhook signing secret replaced"
    WEBHOOK_TEST = "webhook.test", "Webhook test event sent"
    WEBHOOK_REDELIVER = "webhook.redeliver", "Webhook event redelivered"


class AuditEvent(models.Model):
    """One change made in an account, by a member or by support (B1). Append-only."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_events")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    # Kept so the entry still reads after the actor's user is deleted.
    actor_email = models.CharField(max_length=254, blank=True)
    by_support = models.BooleanField(default=False)
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=255, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="audit_account_time")]

    def __str__(self):
        return f"{self.get_action_display()} {self.target_label}"


class TransferRequestQuerySet(TenantQuerySet["OwnershipTransferRequest"]):
    def pending(self) -> Self:
        return self.filter(status=OwnershipTransferRequest.Status.PENDING)


class OwnershipTransferRequest(models.Model):
    """The Owner asks support to make an Admin the Owner; support approves or rejects (M5)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="transfer_requests")
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    new_owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = TransferRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(status="pending"), name="one_pending_transfer"
            ),
        ]

    def __str__(self):
        return f"{self.account}: {self.requested_by} → {self.new_owner} ({self.status})"


class SealedTOTPDevice(TOTPDevice):
    """django-otp's TOTP device, reading its secret from its `TOTPSecret`.

    SECURITY: django-otp's own `key` column holds a random decoy (its default),
    never the secret: the secret exists only sealed, in `TOTPSecret`.
    """

    class Meta:
        proxy = True
        verbose_name = "authenticator app"

    @staticmethod
    def new_sealed_secret() -> str:
        return seal(secrets.token_bytes(SECRET_BYTES))

    @property
    def bin_key(self) -> bytes:
        sealed = TOTPSecret.objects.filter(device_id=self.pk).values_list("sealed", flat=True)
        return unseal(sealed.first() or "")


class TOTPSecret(models.Model):
    """The sealed secret of one authenticator app (accounts/sealing.py)."""

    device = models.OneToOneField(
        TOTPDevice, on_delete=models.CASCADE, primary_key=True, related_name="sealed_secret"
    )
    sealed = models.TextField()

    def __str__(self):
        return f"sealed secret of device {self.device_id}"
