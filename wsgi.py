"""WSGI entry for gunicorn with gevent workers:

    gunicorn -k geventwebsocket.gunicorn.workers.GeventWebSocketWorker -w 1 wsgi:app
"""

from gevent import monkey

monkey.patch_all()

from signer.app import create_app, start_background_tasks  # noqa: E402
from signer.serving import settle_heap  # noqa: E402

app = create_app()
start_background_tasks(app)
settle_heap()
