"""Demo projects for `manage.py seed_demo`: Production and Staging in each demo account."""

from accounts.plans import LimitReached
from projects import services
from projects.models import Project

DEMO_PROJECTS = ("Production", "Staging")


def seed(data) -> list[str]:
    lines = []
    for account in data.accounts.values():
        owner = account.owner
        for name in DEMO_PROJECTS:
            project = Project.objects.for_account(account).filter(name__iexact=name).first()
            if project is None:
                try:
                    project = services.project_create(account=account, actor=owner, name=name)
                except LimitReached as error:
                    lines.append(f"# no demo project {account.name}/{name}: {error}")
                    continue
            data.projects[(account.name, name)] = project
    return lines
