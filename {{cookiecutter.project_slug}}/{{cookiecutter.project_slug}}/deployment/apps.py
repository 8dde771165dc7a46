from django.apps import AppConfig


class DeploymentConfig(AppConfig):
    """Checks a release makes on the server before it goes live."""

    name = "{{ cookiecutter.project_slug }}.deployment"
    label = "deployment"
    verbose_name = "Deployment"
