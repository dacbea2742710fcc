"""The admin API's request and response shapes (the OpenAPI document is generated from them)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, Field

MAX_ID = 2**63 - 1


def _storable(value: str) -> str:
    # PostgreSQL stores no NUL character, and text must be valid UTF-8.
    if "\x00" in value:
        raise ValueError("must not contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


def _email(value: str) -> str:
    try:
        validate_email(value.strip())
    except DjangoValidationError:
        raise ValueError("must be an email address") from None
    return value.strip()


Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_storable)]
FilterText = Annotated[str, Field(max_length=254), AfterValidator(_storable)]
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_email)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
AssignableRole = Literal["admin", "reader"]
Product = Literal["speech_to_text", "streaming", "llm_gateway"]


class ErrorDetail(Schema):
    type: str
    message: str
    field: str | None = None


class Error(Schema):
    error: ErrorDetail


class Page(Schema):
    has_more: bool
    next_cursor: str | None = Field(
        None, description="Pass as `after` to read the next page; null on the last page."
    )


# Projects and keys -------------------------------------------------------------


class ProjectOut(Schema):
    id: int
    name: str
    created_at: datetime


class ProjectPage(Page):
    data: list[ProjectOut]


class ProjectIn(Schema):
    name: Name


Scope = Literal["full", "transcribe", "read"]
# An IPv4/IPv6 address or CIDR range; the service says which entry is wrong.
AllowedIps = Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=50)]


class ApiKeyOut(Schema):
    id: int
    project_id: int
    name: str
    prefix: str = Field(description="The first characters of the key, to tell keys apart.")
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    expires_at: datetime | None = Field(description="None: the key does not expire (K5).")
    scope: Scope = Field(description="What the key may do on /v2 (K7).")
    allowed_ips: list[str] = Field(description="Addresses or CIDR ranges; empty: anywhere.")


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="The key itself: shown in this response only.")


class ApiKeyPage(Page):
    data: list[ApiKeyOut]


class ApiKeyIn(Schema):
    name: Name
    expires_at: datetime | None = Field(
        default=None, description="When the key stops working; the account's policy may cap it."
    )
    scope: Scope = "full"
    allowed_ips: AllowedIps = []


class ApiKeyChange(Schema):
    """Only what is sent changes."""

    scope: Scope | None = None
    allowed_ips: AllowedIps | None = None


class ApiKeyRoll(Schema):
    overlap: Literal["now", "1h", "24h", "7d"] = Field(
        default="24h", description="How long the old key keeps working beside its successor (K6)."
    )


# Members and invites -----------------------------------------------------------


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: Literal["owner", "admin", "reader"]
    mfa_enrolled: bool
    joined_at: datetime


class MemberPage(Page):
    data: list[MemberOut]


class MemberRoleIn(Schema):
    role: AssignableRole


class InviteOut(Schema):
    id: int
    email: str
    role: AssignableRole
    invited_by: str | None
    sent_at: datetime
    expires_at: datetime
    expired: bool


class InvitePage(Page):
    data: list[InviteOut]


class InviteIn(Schema):
    email: Email
    role: AssignableRole = "reader"


# Spend alerts ------------------------------------------------------------------

Threshold = Annotated[
    Decimal,
    Field(ge=Decimal("0.01"), le=Decimal("10000000"), decimal_places=2, max_digits=10),
]


Thresholds = Annotated[list[Threshold], Field(min_length=1, max_length=5)]


class AlertOut(Schema):
    id: int
    scope: Literal["account", "product", "project"]
    product: Product | None
    project_id: int | None
    kind: Literal["threshold", "pace"]
    basis: Literal["amount", "limit_percent"]
    thresholds: list[str] = Field(
        description="Lowest first: USD with two decimals (amount) or whole percents of the "
        "spend limit covering the scope (limit_percent). Each fires once a month."
    )
    on_limit_reached: bool = Field(
        description="Also fires when a spend limit covering the scope first refuses a request."
    )
    all_managers: bool
    recipients: list[int] = Field(description="Member ids notified (empty with all_managers).")
    created_at: datetime
    last_fired_at: datetime | None


class AlertPage(Page):
    data: list[AlertOut]


class AlertIn(Schema):
    scope: Literal["account", "product", "project"] = "account"
    product: Product | None = None
    project_id: Id | None = None
    kind: Literal["threshold", "pace"] = "threshold"
    basis: Literal["amount", "limit_percent"] = "amount"
    thresholds: Thresholds
    on_limit_reached: bool = False
    all_managers: bool = True
    recipients: list[Id] = Field(default_factory=list, max_length=100)


class AlertPatch(Schema):
    scope: Literal["account", "product", "project"] | None = None
    product: Product | None = None
    project_id: Id | None = None
    kind: Literal["threshold", "pace"] | None = None
    basis: Literal["amount", "limit_percent"] | None = None
    thresholds: Thresholds | None = None
    on_limit_reached: bool | None = None
    all_managers: bool | None = None
    recipients: list[Id] | None = Field(None, max_length=100)


# Usage and costs ---------------------------------------------------------------


class UsageRow(Schema):
    bucket_start: datetime
    product: Product | None = None
    model: str | None = None
    project_id: int | None = None
    project: str | None = None
    api_key_id: int | None = None
    api_key: str | None = None
    events: int
    audio_seconds: int
    audio_hours: str = Field(description="Hours, two decimals, as on the Reporting page.")
    tokens: int


class CostRow(Schema):
    bucket_start: datetime
    product: Product | None = None
    model: str | None = None
    project_id: int | None = None
    project: str | None = None
    api_key_id: int | None = None
    api_key: str | None = None
    events: int
    cost_micros: int = Field(description="Exact cost in micro-dollars (1 USD = 1,000,000).")
    cost_usd: str = Field(description="Cost in USD, rounded half up to the cent.")


class UsageReport(Schema):
    start: datetime
    end: datetime
    bucket: Literal["1m", "1h", "1d"]
    group_by: list[str]
    data: list[UsageRow]


class CostReport(Schema):
    start: datetime
    end: datetime
    bucket: Literal["1m", "1h", "1d"]
    group_by: list[str]
    data: list[CostRow]
    total_micros: int
    total_usd: str


# Audit log ---------------------------------------------------------------------


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor: str = Field(description="A member's email, or `admin key <name>`.")
    by_support: bool
    action: str
    action_label: str
    target_type: str
    target_id: str
    target_label: str
    metadata: dict[str, object]


class AuditPage(Page):
    data: list[AuditEventOut]


# Invoices ----------------------------------------------------------------------


class InvoiceLineOut(Schema):
    product: Product
    model: str
    seconds: int
    tokens: int
    events: int
    amount_usd: str


class InvoiceOut(Schema):
    id: int
    number: str
    month: date
    sequence: int
    total_usd: str
    total_micros: int
    billed_to: str
    plan: str
    closed_at: datetime


class InvoiceDetail(InvoiceOut):
    lines: list[InvoiceLineOut]


class InvoicePage(Page):
    data: list[InvoiceOut]


# Spend limits ------------------------------------------------------------------

LimitAmount = Annotated[
    Decimal,
    Field(ge=Decimal("0.01"), le=Decimal("10000000"), decimal_places=2, max_digits=10),
]


class SpendLimitIn(Schema):
    amount: LimitAmount = Field(description="Monthly limit in USD, two decimals.")


class SpendLimitOut(Schema):
    id: int
    scope: Literal["account", "project", "api_key"]
    project_id: int | None
    api_key_id: int | None
    target: str = Field(description='How refusals name it: "project Production".')
    amount: str = Field(description="Monthly limit in USD, two decimals.")
    spent: str = Field(description="Usage recorded this calendar month (UTC), in USD.")
    reserved: str = Field(description="Held by work in progress, in USD.")
    remaining: str
    updated_at: datetime


class SpendLimitList(Schema):
    data: list[SpendLimitOut]
