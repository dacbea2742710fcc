"""The error answers every operation documents (so the OpenAPI document lists them)."""

from console.api.schemas import Error

ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)


def errors() -> dict[int, type[Error]]:
    return dict.fromkeys(ERROR_STATUSES, Error)
