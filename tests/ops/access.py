from tests.access import OK, Expect

ROWS = {
    # Public: it says whether the database answers, nothing else.
    "health": Expect(anonymous=OK, reader=OK, admin=OK, owner=OK, outsider=OK),
}
