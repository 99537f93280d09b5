"""The iuckg Flask app as a plain WSGI application, for gunicorn in benchmarks/scale.py: the settings come
from $IUCKG_SETTINGS as `iuckg serve` passes them to its workers; there is no ASGI front, so no answer cache,
no limits on slow clients and no stopping of abandoned queries."""

import base64
import os
import pickle

from iuckg.web.app import create_app
from iuckg.web.front import SETTINGS_VARIABLE

app = create_app(pickle.loads(base64.b64decode(os.environ[SETTINGS_VARIABLE])))
