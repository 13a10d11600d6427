"""The Litestar web app: pages (Jinja2 + htmx), the mind-map editor and the REST API."""
