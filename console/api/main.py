"""The admin API object: its routers, its authentication, its errors and its documents."""

from ninja import NinjaAPI, Swagger
from ninja.operation import Operation

from console.api import audit, billing, errors, limits, people, projects, usage, webhooks
from console.api.auth import AdminKeyAuth


class AdminApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # The function's name ("create_project"): what clients generated from the document call it.
        return operation.view_func.__name__


api = AdminApi(
    title="Speech console admin API",
    version="1",
    description=(
        "Everything the console does, for automation: projects, API keys, members, "
        "invites, spend alerts, spend limits, account webhooks, usage and costs, the audit log "
        "and invoices. "
        "Authenticate with an admin key (`Authorization: Bearer ak_admin_…`), created on "
        "the Account page; it acts with its role (Admin or Reader). Lists are cursor "
        'paginated (`limit`, `after`); errors are `{"error": {"type", "message"}}`.'
    ),
    urls_namespace="admin_api",
    auth=AdminKeyAuth(),
    openapi_url="/openapi.json",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
)
errors.install(api)
for router in (
    projects.router,
    people.router,
    billing.router,
    limits.router,
    usage.router,
    audit.router,
):
    api.add_router("", router)
api.add_router("", webhooks.router)
