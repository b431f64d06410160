"""The REST API (django-ninja): one router per domain, one error mapping, OpenAPI at /api/docs."""
