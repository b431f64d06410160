"""Settings, URLs, WSGI/ASGI and the ``libcity`` command."""
