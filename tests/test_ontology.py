"""The IUC ontology: metadata, labelled and defined terms, terms the data uses, OWL RL consistency."""

from __future__ import annotations

import owlrl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from helpers import BASE, REPO, union
from iuckg.sources import parse_source
from iuckg.namespaces import VANN, Minter

M = Minter(BASE)
IUC = M.iuc
# owlrl writes each inconsistency it finds into the graph as
#   [] a err:ErrorMessage ; err:error "message"
# (owlrl/Closure.py, Core.closure; the namespace is owlrl.Namespaces.ERRNS).
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


def load_ontology() -> Graph:
    """ontology/iuc.ttl as the build reads it, in a graph the test may change."""
    return union(parse_source(REPO / "ontology" / "iuc.ttl", BASE))


ONTOLOGY = load_ontology()
TERMS = sorted({s for cls in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
                for s in ONTOLOGY.subjects(RDF.type, cls) if str(s).startswith(str(IUC))})


def test_ontology_loads_with_relative_iris_resolved_against_the_base():
    assert len(ONTOLOGY) > 100
    assert (M.ontology, RDF.type, OWL.Ontology) in ONTOLOGY
    assert all(not str(t).startswith(("def/", "id/")) for triple in ONTOLOGY for t in triple)
    assert len(TERMS) > 40


def test_ontology_metadata():
    o = M.ontology
    for prop in (DCTERMS.title, DCTERMS.description, OWL.versionInfo, DCTERMS.license, DCTERMS.creator,
                 VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ONTOLOGY.value(o, prop) is not None, prop
    assert ONTOLOGY.value(o, VANN.preferredNamespacePrefix) == Literal("iuc")
    assert str(ONTOLOGY.value(o, VANN.preferredNamespaceUri)) == str(IUC)
    assert ONTOLOGY.value(o, DCTERMS.title).language == "en"


@pytest.mark.parametrize("term", TERMS, ids=[str(t).rsplit("#", 1)[1] for t in TERMS])
def test_term_has_an_english_label_and_definition(term):
    labels = list(ONTOLOGY.objects(term, RDFS.label))
    definitions = list(ONTOLOGY.objects(term, SKOS.definition))
    assert [label.language for label in labels] == ["en"]
    assert [d.language for d in definitions] == ["en"]
    assert len(str(definitions[0])) > 20


def test_every_iuc_term_the_data_uses_is_declared(data_graph):
    used = {t for s, p, o in data_graph for t in (p, o) if isinstance(t, URIRef) and str(t).startswith(str(IUC))}
    used |= {s for s in data_graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(IUC))}
    declared = {s for s in ONTOLOGY.subjects(RDF.type, None)}
    assert sorted(used - declared) == []


def test_terms_used_as_classes_are_classes_and_as_properties_are_properties(data_graph):
    classes = set(ONTOLOGY.subjects(RDF.type, OWL.Class))
    properties = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty)) | \
        set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    for s, p, o in data_graph:
        if str(p).startswith(str(IUC)):
            assert p in properties, p
        if p == RDF.type and str(o).startswith(str(IUC)):
            assert o in classes, o


def test_datatype_properties_have_literals_and_object_properties_iris(data_graph):
    datatype = set(ONTOLOGY.subjects(RDF.type, OWL.DatatypeProperty))
    objects = set(ONTOLOGY.subjects(RDF.type, OWL.ObjectProperty))
    for s, p, o in data_graph:
        if p in datatype:
            assert isinstance(o, Literal), (s, p, o)
        if p in objects:
            assert isinstance(o, URIRef), (s, p, o)


# --- OWL RL consistency --------------------------------------------------------------------------------------


def closure(graph: Graph) -> Graph:
    g = Graph()
    g += graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


def inconsistencies(g: Graph) -> list[str]:
    """What owlrl recorded as errors, and anything inferred to be owl:Nothing."""
    found = sorted(str(m) for m in g.objects(None, ERR.error))
    found += sorted(f"{x} a owl:Nothing" for x in g.subjects(RDF.type, OWL.Nothing))
    return found


@pytest.mark.untraced  # volume, not new lines (see the README's Tests section)
def test_ontology_and_data_are_consistent_under_owl_rl(built):
    """The ontology and the data graph (without the SDG vocabulary, to keep this fast)."""
    g = closure(union(built.graphs["ontology"], built.graphs["data"]))
    assert inconsistencies(g) == []
    # The closure did run: subclass and property-chain entailments are there.
    cali_pairing = M.id("pairing", "cali-co--belfast-gb")
    assert (cali_pairing, RDF.type, IUC.Pairing) in g
    assert (M.id("member", "cali-co"), RDF.type, IUC.Member) in g


def test_a_resource_both_city_and_region_pairing_is_detected():
    """CityPairing and RegionPairing are disjoint: the consistency check above can fail."""
    g = load_ontology()
    x = M.id("pairing", "test-both")
    g.add((x, RDF.type, IUC.CityPairing))
    g.add((x, RDF.type, IUC.RegionPairing))
    found = inconsistencies(closure(g))
    assert found and any("disjoint" in m.lower() for m in found), found


def test_a_member_with_two_countries_is_two_countries_made_equal():
    """iuc:country is functional: two countries of one member are inferred owl:sameAs."""
    g = load_ontology()
    member = M.id("member", "test")
    g.add((member, IUC.country, M.id("country", "ESP")))
    g.add((member, IUC.country, M.id("country", "PRT")))
    assert (M.id("country", "ESP"), OWL.sameAs, M.id("country", "PRT")) in closure(g)


def test_the_consistent_ontology_alone_has_no_errors():
    assert inconsistencies(closure(load_ontology())) == []
    assert not any(isinstance(s, BNode) and (s, RDF.type, ERR.ErrorMessage) in ONTOLOGY for s in ONTOLOGY.subjects())
