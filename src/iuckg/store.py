"""The triple store the server reads: Oxigraph, loaded from a build's N-Quads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .layout import STORE_FILE
from .settings import Settings


def load_store(settings: Settings) -> ox.Store:
    """An in-memory Oxigraph store holding the build's named graphs and any extra graphs."""
    store = ox.Store()
    store.bulk_load(path=str(Path(settings.dist_dir) / STORE_FILE), format=ox.RdfFormat.N_QUADS)
    for iri, path in settings.extra_graphs:
        store.bulk_load(path=str(path), format=rdf_format(path), to_graph=ox.NamedNode(iri),
                        base_iri=iri)
    return store


def rdf_format(path: Path) -> ox.RdfFormat:
    """The RDF format of a file, from its extension."""
    fmt = ox.RdfFormat.from_extension(Path(path).suffix.lstrip("."))
    if fmt is None:
        raise ValueError(f"{path}: unknown RDF file extension (use .ttl, .nt, .nq, .trig, .rdf, .jsonld)")
    return fmt
