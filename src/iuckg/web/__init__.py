"""The web layer: the Linked-Data server over a published build, which only reads the store.

`iuckg.web.app` makes the Flask application (`create_app`), `iuckg.web.state` holds what it serves
(the publication: store, settings, index, query pool), `iuckg.web.front` is the ASGI front granian runs.
"""
