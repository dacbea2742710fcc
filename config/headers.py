"""Response headers Django has no setting for."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` from settings.PERMISSIONS_POLICY on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response
