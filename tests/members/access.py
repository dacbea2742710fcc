from tests.access import members_only

ROWS = {
    "members:list": members_only(),
}
