"""The ASGI application for uvicorn (`ketnoi serve`) and any ASGI server."""

from ketnoi.app import create_app

app = create_app()
