"""Sign-in, users and roles for the web app."""
