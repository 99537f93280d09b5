"""The files the package carries: the curated data, the ontology, the SHACL shapes and the vocabularies.

Its folders `data`, `ontology`, `shapes` and `vocab` are links to the checkout's top-level folders of
those names, so a wheel carries their files and an editable install reads the checkout's;
`iuckg.settings.bundled` finds them with `importlib.resources`.
"""
