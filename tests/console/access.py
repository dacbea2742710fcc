from tests.access import OK, members_only

ROWS = {
    "home": members_only(OK),
}
