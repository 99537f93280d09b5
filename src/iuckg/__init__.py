"""iuckg: the knowledge graph of the EU International Urban Cooperation programme."""

__version__ = "0.1.0"
