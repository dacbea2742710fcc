from tests.access import managers_only, members_only

ROWS = {
    "reporting:usage": members_only(),
    "reporting:billing": managers_only(),
}
