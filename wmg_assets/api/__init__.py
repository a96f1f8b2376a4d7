"""API extraction: JSON pages pulled from OAuth 2.0 APIs into bronze and silver."""
