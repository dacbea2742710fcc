from tests.access import members_only

ROWS = {
    "projects:list": members_only(),
}
