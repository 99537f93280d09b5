"""The map of the pairings (/map) and the programme in figures (/charts): pages for people."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from . import charts
from .geography import landing_json, landing_map, member_map, pairing_map
from .state import published

bp = Blueprint("maps", __name__)


@bp.route("/map")
def world_map():
    """The world map of every pairing, or of one (?pairing=IRI) or one city or region (?member=IRI)."""
    pub = published()
    pairing, member = request.args.get("pairing"), request.args.get("member")
    if pairing is not None and member is not None:
        abort(400, "ask for the map of a pairing or of a member, not both")
    if pairing is not None:
        data = pairing_map(pub, pairing)
        if data is None:
            abort(404, f"no pairing has the IRI {pairing!r}")
    elif member is not None:
        data = member_map(pub, member)
        if data is None:
            abort(404, f"no city or region of a pairing has the IRI {member!r}")
    else:
        data = landing_map(pub)
    title = f"{data['subject']['label']} on the map" if data["subject"] else "Map of the pairings"
    return render_template("map.html", data=data, title=title)


@bp.route("/map/pairings.json")
def world_map_data():
    """The data of the map of every pairing (what map.js fetches for the landing page and /map), compact."""
    return Response(landing_json(published()), content_type="application/json")


@bp.route("/charts")
def figures():
    """The IUC in figures: bar charts of the pairings per stream, country, SDG goal and Urban Agenda topic."""
    return render_template("charts.html", charts=published().once(charts.figures))
