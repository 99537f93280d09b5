"""The files of a build folder (dist/) and how they are served."""

# The file the store loads: every named graph as N-Quads.
STORE_FILE = "iuckg.nq"
SUMMARY_FILE = "summary.json"
# The lists and the search of the pages for people (SQLite; see iuckg.index).
INDEX_FILE = "index.sqlite"

# Files published under base + "dump/", with their media types.
DUMP_FILES = {
    "iuckg.ttl": "text/turtle",
    "iuckg.nt.gz": "application/gzip",
    "iuckg.jsonld": "application/ld+json",
    "iuckg.nq": "application/n-quads",
    "ontology.ttl": "text/turtle",
    "shapes.ttl": "text/turtle",
    "catalogue.ttl": "text/turtle",
    "validation-report.ttl": "text/turtle",
}
DUMP_PATH = "dump/"
# Dumps of the knowledge graph itself (the others are parts or reports).
GRAPH_DUMPS = ("iuckg.ttl", "iuckg.nt.gz", "iuckg.jsonld", "iuckg.nq")
# The dump of one named graph, by graph name.
PART_DUMPS = {"ontology": "ontology.ttl", "shapes": "shapes.ttl", "catalogue": "catalogue.ttl"}
