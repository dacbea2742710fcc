"""Signals the apps above accounts connect to, so that accounts imports none of them."""

from django.dispatch import Signal

# Sent by account_delete inside its transaction, before the account's rows go
# (the database's cascade removes them): receivers remove what the cascade does
# not, such as stored files, once the deletion commits. Arguments: `account`.
account_deleting = Signal()
