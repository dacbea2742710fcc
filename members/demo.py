"""A pending invite in the demo's main account, with a working link."""

from members import services
from members.models import Invitation

DEMO_INVITEE = "invitee@example.com"


def seed(data) -> list[str]:
    account = data.accounts["acme"]
    owner = data.users["owner"]
    pending = Invitation.objects.pending_for_account(account).filter(email=DEMO_INVITEE).first()
    if pending is None:
        invitation = services.invitation_create(
            account=account, actor=owner, email=DEMO_INVITEE, role="reader"
        )
    else:
        # Only the digest is stored: a fresh link is the only way to print one.
        invitation = services.invitation_resend(account=account, actor=owner, invitation=pending)
    return [f"invite {Invitation.accept_url(invitation.token)} for {DEMO_INVITEE} (Reader)"]
