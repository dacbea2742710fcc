from tests.access import members_only

ROWS = {
    "apikeys:list": members_only(),
}
