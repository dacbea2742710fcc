"""The admin API (/v1/admin/): every console action for automation, with admin keys (X1-X3)."""
