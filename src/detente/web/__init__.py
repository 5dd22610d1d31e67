"""The operations-centre dashboard: server-rendered pages with logins, roles and live updates.

``detente.web.app.install(app)`` adds it to a node's FastAPI app. Pages are
Jinja2 (autoescaped), live updates are server-sent events that make htmx
re-fetch fragments, and every page has a ``.json`` twin built from the same
query (``detente.web.queries``). Third-party front-end code is served from
node_modules, never copied here.
"""
