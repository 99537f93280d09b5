"""Lists people can sort, filter by facets and download: the pairings, the cities and regions, the countries.

Like Datasette's tables: `?theme=...&country=...` filters (values of one facet are alternatives, facets add
up), `?sort=column` and `?desc=1` sort, `?page=N&size=M` pages; `/pairings.csv` and `/pairings.json` with the
same parameters give exactly the rows of that list (every page of it).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, render_template, request

from ..index import LISTS, ListSpec
from .state import published

bp = Blueprint("lists", __name__)

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_FILTER_VALUES = 20
CONTROL = ("sort", "desc", "page", "size")


def list_request(spec: ListSpec) -> dict:
    """What a list request asks for: filters, sort, page (400 for values the list does not know)."""
    args = request.args
    unknown = sorted(set(args) - set(spec.facets) - set(CONTROL))
    if unknown:
        abort(400, f"{spec.name} cannot be filtered by {unknown[0]!r}: its facets are {', '.join(spec.facets)}")
    filters = {facet: args.getlist(facet)[:MAX_FILTER_VALUES] for facet in spec.facets if args.getlist(facet)}
    sort = args.get("sort", spec.default_sort)
    if sort not in spec.sortable:
        abort(400, f"{spec.name} cannot be sorted by {sort!r}: sort by one of {', '.join(spec.sortable)}")
    page, size = number(args.get("page", "1"), "page"), number(args.get("size", str(PAGE_SIZE)), "size")
    return {
        "filters": filters,
        "sort": sort,
        "descending": args.get("desc", "") not in ("", "0"),
        "page": page,
        "size": min(size, MAX_PAGE_SIZE),
    }


def number(text: str, name: str) -> int:
    """A positive whole number from a query parameter (400 otherwise)."""
    if not text.isdigit() or not 0 < int(text) < 10**9:
        abort(400, f"{name} must be a whole number from 1, not {text[:40]!r}")
    return int(text)


def query_string(spec: ListSpec, asked: dict, filters: dict[str, list[str]] | None = None, **changes) -> str:
    """The query string of this list with other filters or some parameters changed (None removes one)."""
    filters = asked["filters"] if filters is None else filters
    params = [(facet, value) for facet, values in filters.items() for value in values]
    state = {
        "sort": asked["sort"] if asked["sort"] != spec.default_sort else None,
        "desc": "1" if asked["descending"] else None,
        "size": str(asked["size"]) if asked["size"] != PAGE_SIZE else None,
        "page": str(asked["page"]) if asked["page"] != 1 else None,
        **changes,
    }
    params += [(key, value) for key, value in state.items() if value is not None]
    return ("?" + urlencode(params)) if params else ""


def toggled(filters: dict[str, list[str]], facet: str, value: str) -> dict[str, list[str]]:
    """The filters with a facet value added, or removed if it was there."""
    values = filters.get(facet, [])
    return {**filters, facet: [v for v in values if v != value] if value in values else [*values, value]}


@bp.route("/<any(pairings, members, countries):name>")
def html_list(name: str):
    """A list as a page: facets, sortable columns, pages, downloads."""
    spec = LISTS[name]
    pub = published()
    asked = list_request(spec)
    offset = (asked["page"] - 1) * asked["size"]
    page = pub.index.page(spec, asked["filters"], asked["sort"], asked["descending"], offset, asked["size"])
    if offset and offset >= page.total:
        abort(404, f"{spec.title} has {page.total} rows: page {asked['page']} is past the last")
    facets = pub.index.facet_counts(spec, asked["filters"])
    chosen = {facet: pub.index.labels(spec, facet, values) for facet, values in asked["filters"].items()}
    last_page = max(1, -(-page.total // asked["size"]))

    def link(**changes) -> str:
        return f"/{name}" + query_string(spec, asked, **changes)

    def sort_link(column: str) -> str:
        descending = column == asked["sort"] and not asked["descending"]
        return link(sort=column if column != spec.default_sort else None, desc="1" if descending else None, page=None)

    def facet_link(facet: str, value: str) -> str:
        return f"/{name}" + query_string(spec, asked, toggled(asked["filters"], facet, value), page=None)

    downloads = [(fmt, f"/{name}.{fmt}" + query_string(spec, asked, page=None, size=None)) for fmt in ("csv", "json")]
    return render_template(
        "list.html",
        spec=spec,
        page=page,
        asked=asked,
        facets=facets,
        chosen=chosen,
        link=link,
        sort_link=sort_link,
        facet_link=facet_link,
        downloads=downloads,
        last_page=last_page,
        title=spec.title,
    )


@bp.route("/<any(pairings, members, countries):name>.<any(csv, json):fmt>")
def download(name: str, fmt: str):
    """Every row of a list as CSV or JSON (with ?page= and ?size=, JSON gives one page and a link to the next)."""
    spec = LISTS[name]
    pub = published()
    asked = list_request(spec)
    paged = fmt == "json" and ("page" in request.args or "size" in request.args)
    offset = (asked["page"] - 1) * asked["size"] if paged else 0
    page = pub.index.page(
        spec, asked["filters"], asked["sort"], asked["descending"], offset, asked["size"] if paged else None
    )
    columns = [c.name for c in spec.columns]
    records = [
        {**{c: row[c] for c in columns}, "url": pub.base + row["path"].lstrip("/"), "iri": row["iri"]}
        for row in page.rows
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([*columns, "url", "iri"])
        writer.writerows([[record[c] for c in (*columns, "url", "iri")] for record in records])
        response = Response(out.getvalue(), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    body = {
        "list": name,
        "total": page.total,
        "offset": offset,
        "rows": records,
        "filters": asked["filters"],
        "sort": asked["sort"],
        "descending": asked["descending"],
    }
    if paged and offset + len(records) < page.total:
        body["next"] = f"/{name}.json" + query_string(spec, asked, page=str(asked["page"] + 1))
    return Response(json.dumps(body, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8")
