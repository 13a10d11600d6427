"""The REST API ``/api/v1`` with OAuth2 client credentials (``/oauth/token``)."""
