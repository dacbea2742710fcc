from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The top floor: pages and commands that bring every app together."""

    name = "console"
