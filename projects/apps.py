from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        from accounts.plans import Resource, register_usage_counter
        from projects.models import Project

        register_usage_counter(
            Resource.PROJECTS, lambda account: Project.objects.for_account(account).count()
        )
