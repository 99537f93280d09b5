"""The Flask application: SPARQL endpoint, Linked-Data documents, the dataset's description and dumps."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Flask
from flask_cors import CORS

from ..collation import collator
from ..index import LISTS
from ..settings import Settings
from ..store import Backend, OxigraphBackend, open_backend
from . import caching, dataset, errors, lists, maps, resources, sdg, search, sitemap, sparql, status
from .answers import Answers
from .charts import figures
from .dataset import overview
from .geography import map_index
from .sitemap import page_urls
from .state import ANSWERS, Published


def create_app(settings: Settings | None = None, store: ox.Store | Backend | None = None) -> Flask:
    """Create the web application over a store (the backend the settings name when not given)."""
    settings = settings or Settings()
    app = Flask(__package__)  # named after the package, whose templates/ and static/ it serves
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if store is None:
        store = open_backend(settings)
    app.extensions["iuckg"] = Published(settings, OxigraphBackend(store) if isinstance(store, ox.Store) else store)
    CORS(app, send_wildcard=True, expose_headers=["Link", "Content-Location", "ETag"])
    version = caching.register(app, settings)
    if settings.answers_mb > 0:
        app.extensions[ANSWERS] = Answers(
            settings.answers_folder,
            version.digest,
            settings.answers_mb * 1_000_000,
            counts_every=settings.answers_counts_seconds,
        )
    errors.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(dataset.bp)
    app.register_blueprint(sitemap.bp)
    app.register_blueprint(sdg.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(lists.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(status.bp)
    app.register_blueprint(resources.bp)
    return app


def warm_up(app: Flask) -> None:
    """Load what the first page would (the collation table, the compiled templates: a second), start the query
    workers and compute the views over the whole store that pages keep (landing page, sitemap) before anyone
    asks."""
    collator()
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    pub = app.extensions["iuckg"]
    try:
        pub.evaluator.warm()
    except Exception as exc:  # the first query starts them instead
        app.logger.warning("starting the query workers failed: %s", exc)
    for spec in LISTS.values():
        try:
            pub.index.data(spec)
        except Exception as exc:  # no index file: the lists say so when asked
            app.logger.warning("reading the list %s failed: %s", spec.name, exc)
    for view in (overview, page_urls, map_index, figures):
        try:
            pub.once(view)
        except Exception as exc:  # a store that does not answer now: the first request asks again
            app.logger.warning("warming up %s failed: %s", view.__name__, exc)
