from django.apps import AppConfig

from accounts.plans import Resource, register_usage_counter


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        # Here, not at the top: models need the app registry.
        from projects.models import Project

        register_usage_counter(
            Resource.PROJECTS, lambda account: Project.objects.for_account(account).count()
        )
