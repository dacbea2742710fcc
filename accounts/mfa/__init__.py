"""Multi-factor authentication: TOTP apps, recovery codes, the login step and required MFA (A6)."""
