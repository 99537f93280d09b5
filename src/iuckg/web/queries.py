"""The SPARQL queries the web layer runs: named constants with bound variables.

Variables such as ?this are bound with pyoxigraph substitutions, never by
formatting user input into query text (a bound variable of a SELECT must be
projected, and grouped where the query groups). Queries over one named graph
get it as their default graph.
"""

PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# Is ?this mentioned anywhere (as subject or object)?
EXISTS = "ASK { { ?this ?p ?o } UNION { ?s ?p ?this } }"

# Every triple of one named graph (the ontology document, for example).
GRAPH_CONTENTS = "CONSTRUCT WHERE { ?s ?p ?o }"

# Classes and properties the ontology defines, for its documentation page.
ONTOLOGY_TERMS = (
    PREFIXES
    + """
SELECT ?term ?kind ?label ?definition ?domain ?range ?super WHERE {
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty }
  ?term a ?kind ; rdfs:label ?label .
  OPTIONAL { ?term skos:definition ?definition }
  OPTIONAL { ?term rdfs:domain ?domain }
  OPTIONAL { ?term rdfs:range ?range }
  OPTIONAL { ?term rdfs:subClassOf|rdfs:subPropertyOf ?super }
}
ORDER BY ?kind ?term
"""
)

# Every subject of a triple (the sitemap keeps those under the base). Neither filtered nor ordered
# here: at 10,000 pairings Oxigraph takes 1.5 s for this and two minutes with ORDER BY.
SUBJECTS = "SELECT DISTINCT ?subject WHERE { ?subject ?p ?o }"
