"""Example SPARQL queries shown on the landing page and in the editor."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    """A titled example query."""

    title: str
    query: str


def prologue(base: str) -> str:
    """The PREFIX lines every example starts with."""
    return (
        f"PREFIX iuc: <{base}def/iuc#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
    )


BODIES = (
    (
        "Pairings and their themes",
        """
SELECT ?pairing ?label ?theme WHERE {
  ?pairing a/rdfs:subClassOf* iuc:Pairing ; rdfs:label ?label ; iuc:theme/skos:prefLabel ?theme .
}
ORDER BY ?label""",
    ),
    (
        "Pairings per thematic stream",
        """
SELECT ?theme (COUNT(?pairing) AS ?pairings) WHERE {
  ?pairing iuc:theme/skos:prefLabel ?theme .
}
GROUP BY ?theme ORDER BY DESC(?pairings)""",
    ),
    (
        "Members per country",
        """
SELECT ?country (COUNT(?member) AS ?members) WHERE {
  ?member iuc:country/rdfs:label ?country .
}
GROUP BY ?country ORDER BY DESC(?members) ?country""",
    ),
    (
        "Pairings with a side of several members",
        """
SELECT ?pairing ?side (COUNT(?member) AS ?members) WHERE {
  ?pairing iuc:hasSide ?side . ?side iuc:sideMember ?member .
}
GROUP BY ?pairing ?side HAVING (COUNT(?member) > 1)""",
    ),
    (
        "Pairings derived to contribute to SDG 11.6 (waste and air quality)",
        """
SELECT ?pairing ?label ?rule WHERE {
  ?pairing iuc:alignment ?a ; rdfs:label ?label .
  ?a iuc:alignedTo <http://metadata.un.org/sdg/11.6> ; prov:wasDerivedFrom ?rule .
}
ORDER BY ?label""",
    ),
    (
        "Stakeholders by quadruple-helix sector",
        """
SELECT ?sector ?stakeholder ?pairing WHERE {
  ?p iuc:stakeholder ?s . ?s rdfs:label ?stakeholder ; iuc:helixSector/skos:prefLabel ?sector .
  ?p rdfs:label ?pairing .
}
ORDER BY ?sector""",
    ),
    (
        "Case studies",
        """
SELECT ?title ?pairing WHERE {
  ?p iuc:caseStudy/rdfs:label ?title ; rdfs:label ?pairing .
}
ORDER BY ?title""",
    ),
    (
        "Everything about Barcelona (CONSTRUCT)",
        """
CONSTRUCT { ?m ?p ?o } WHERE {
  ?m a iuc:City ; rdfs:label "Barcelona"@en ; ?p ?o .
}""",
    ),
)


def examples(base: str) -> list[Example]:
    """The example queries for a server with the given base IRI."""
    return [Example(title, prologue(base) + body) for title, body in BODIES]
