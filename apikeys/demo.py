"""Demo keys for `manage.py seed_demo`: a fresh key per demo project, printed once."""

from accounts.plans import LimitReached
from apikeys import services
from apikeys.models import ApiKey

DEMO_KEY_NAME = "Demo key"


def seed(data) -> list[str]:
    lines = []
    for (account_name, project_name), project in data.projects.items():
        account = project.account
        owner = account.owner
        # The secret of an old demo key is gone, so each run replaces it.
        for old in ApiKey.objects.for_project(project).filter(name=DEMO_KEY_NAME):
            services.apikey_delete(account=account, actor=owner, api_key=old)
        try:
            issued = services.apikey_create(
                account=account, actor=owner, project=project, name=DEMO_KEY_NAME
            )
        except LimitReached as error:
            lines.append(f"# no demo key for {account_name}/{project_name}: {error}")
            continue
        lines.append(f"apikey {account_name}/{project_name} {issued.secret}")
    return lines
