"""Key- or token-authenticated endpoints: no trailing slash, JSON errors, never a redirect."""

urlpatterns = []
