"""Namespaces of the vocabularies iuckg uses, and the IRIs it mints under a base."""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD, DefinedNamespace

# schema.org: the http form, as the DCAT-AP shapes use it.
SCHEMA = Namespace("http://schema.org/")
# WGS84: declared here because rdflib's WGS constant uses https.
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEOSPARQL = Namespace("http://www.opengis.net/ont/geosparql#")
SDG = Namespace("http://metadata.un.org/sdg/")
SDGO = Namespace("http://metadata.un.org/sdg/ontology#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
VANN = Namespace("http://purl.org/vocab/vann/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FRAPO = Namespace("http://purl.org/cerif/frapo/")
# W3C Web Annotation: the passage of the brochure each stated record rests on.
OA = Namespace("http://www.w3.org/ns/oa#")
# The IANA media-types registry (DCAT-AP names media types by their IRI there).
IANA = "http://www.iana.org/assignments/media-types/"

# UN SDG goals and targets (not indicators) have a page on this server: /sdg/{code}.
SDG_CODE = re.compile(r"[0-9]{1,2}(\.[0-9a-z]{1,2})?")


def sdg_code(iri: str) -> str | None:
    """The code of a UN SDG goal or target IRI ('11', '11.6'), else None."""
    code = iri[len(str(SDG)) :] if iri.startswith(str(SDG)) else ""
    return code if SDG_CODE.fullmatch(code) else None


def href_of(iri: str, base: str) -> str | None:
    """Where a link to an IRI points: minted IRIs and SDG goals and targets stay on this server; only http(s)
    IRIs are links."""
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    code = sdg_code(iri)
    if code:
        return "/sdg/" + code
    return iri if iri.lower().startswith(("http://", "https://")) else None


# rdflib's own vocabularies (RDF, SKOS, ...) are DefinedNamespace classes; each prefix's str() is its IRI
PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "dcat": DCAT,
    "void": VOID,
    "prov": PROV,
    "org": ORG,
    "foaf": FOAF,
    "schema": SCHEMA,
    "geo": GEO,
    "geosparql": GEOSPARQL,
    "sdg": SDG,
    "sdgo": SDGO,
    "sh": SH,
    "vann": VANN,
    "sd": SD,
    "frapo": FRAPO,
    "eucountry": EU_COUNTRY,
    "oa": OA,
}


# The named graphs of a build, in the order they are written and loaded.
GRAPH_NAMES = ("data", "ontology", "sdg", "shapes", "catalogue")


class Minter:
    """The IRIs iuckg mints under one base IRI (see README, 'IRIs')."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.iuc = Namespace(base + "def/iuc#")
        self.ontology = URIRef(base + "def/iuc")

    def id(self, *path: str) -> URIRef:
        """The IRI of a thing: base + 'id/' + path."""
        return URIRef(self.base + "id/" + "/".join(path))

    def graph(self, name: str) -> URIRef:
        """The IRI of one of the named graphs the server holds."""
        return URIRef(self.base + "graph/" + name)

    def prefixes(self) -> dict[str, Namespace | type[DefinedNamespace]]:
        """Prefixes for serialisations, including the minted namespaces."""
        return {**PREFIXES, "iuc": self.iuc, "id": Namespace(self.base + "id/")}


# The dataset description (VoID, DCAT-AP): the build describes these IRIs, the server serves them.
def dataset_iri(minter: Minter) -> URIRef:
    """The IRI of the iuckg dataset."""
    return minter.id("dataset", "iuckg")


def catalogue_iri(base: str) -> URIRef:
    """The IRI of the DCAT catalogue, which is also where its record is served."""
    return URIRef(base + "catalogue")


def service_iri(base: str) -> URIRef:
    """The IRI of the SPARQL service, as the service description names it."""
    return URIRef(base + "sparql#service")
