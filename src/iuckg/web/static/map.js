/* The world map of the pairings (templates/_map.html, data from iuckg/web/geography.py).
 *
 * Draws the data of each figure.world-map into its SVG with the vendored d3-geo and topojson-client, over
 * the vendored Natural Earth outlines (world-atlas countries-110m.json, fetched from this server only):
 * countries, one great-circle line per pairing (a link to its page, coloured and dashed by thematic stream)
 * and a dot per city or region. The data of the map of every pairing is fetched (data-src, the compact
 * /map/pairings.json: see geography.world_json); that of one pairing or member is embedded in the page.
 * A place without coordinates is drawn hollow at the centre (d3.geoCentroid) of its country's outline, of
 * its largest part for a country of several (France with French Guiana).
 * Modes: "landing" (the whole world), "pairing" (fitted to one pairing), "member" (one member in its country).
 * The map is redrawn when its width changes.
 */
(function () {
  "use strict";
  if (window.iucWorldMap) return; // the macro may be on a page more than once: one script draws every map
  window.iucWorldMap = true;

  const SVG = "http://www.w3.org/2000/svg";
  const MARGIN = 28;
  const DENSE = 500; // pairings beyond which the lines are drawn thin and translucent, to be told apart
  const atlases = new Map();

  // The outlines of an atlas file, fetched once per page.
  function atlas(url) {
    if (!atlases.has(url)) {
      atlases.set(url, fetch(url).then((response) => {
        if (!response.ok) throw new Error(`${url} answered ${response.status}`);
        return response.json();
      }).then((topology) => {
        const countries = topojson.feature(topology, topology.objects.countries).features;
        const byId = new Map(countries.filter((c) => c.id !== undefined).map((c) => [c.id, c]));
        return {countries, byId, centres: new Map()};
      }));
    }
    return atlases.get(url);
  }

  // An SVG element with attributes (null ones left out), appended to parent.
  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined && value !== "") node.setAttribute(key, value);
    }
    parent.appendChild(node);
    return node;
  }

  // The polygons of a country's outline, one per part.
  function parts(country) {
    const geometry = country.geometry;
    return geometry.type === "Polygon" ? [geometry]
      : geometry.coordinates.map((coordinates) => ({type: "Polygon", coordinates}));
  }

  function largestPart(country) {
    return parts(country).reduce((a, b) => (d3.geoArea(b) > d3.geoArea(a) ? b : a));
  }

  // [longitude, latitude] of a place: its coordinates, or the centre of its country's outline (computed once
  // per country: thousands of places may share one).
  function position(place, world) {
    if (place.lat !== undefined) return [place.long, place.lat];
    if (!world.centres.has(place.outline)) {
      world.centres.set(place.outline, d3.geoCentroid(largestPart(world.byId.get(place.outline))));
    }
    return world.centres.get(place.outline);
  }

  // The compact data of /map/pairings.json in the shape of the embedded data.
  function expand(doc) {
    const note = "approximate: centre of the country";
    const places = doc.places.map(([long, lat, label, href, outline]) => (lat === null
      ? {label, href, outline, in: doc.countries[outline], approximate: true, note} : {long, lat, label, href}));
    const pairings = doc.pairings.map(([sides, theme, href]) => ({
      sides, theme, href, label: sides.map((side) => side.map((i) => places[i].label).join(", ")).join(" – "),
    }));
    return {mode: doc.mode, themes: doc.themes, places, pairings};
  }

  // The data of a figure's map: embedded in the page, or fetched from data-src.
  function mapData(figure) {
    const source = figure.querySelector('script[type="application/json"]');
    if (source) return Promise.resolve(JSON.parse(source.textContent));
    return fetch(figure.dataset.src).then((response) => {
      if (!response.ok) throw new Error(`${figure.dataset.src} answered ${response.status}`);
      return response.json();
    }).then(expand);
  }

  // The great-circle lines of a pairing: from each member of a side to each member of the other sides.
  function lines(pairing, points) {
    const found = [];
    pairing.sides.forEach((side, s) => pairing.sides.slice(s + 1).forEach((other) => side.forEach(
      (a) => other.forEach((b) => found.push([points[a], points[b]])))));
    return found;
  }

  // The projection and height of a map `width` pixels wide.
  function frame(data, world, points, arcs, width) {
    if (data.mode === "landing") {
      const projection = d3.geoNaturalEarth1().fitWidth(width, {type: "Sphere"});
      return [projection, Math.ceil(d3.geoPath(projection).bounds({type: "Sphere"})[1][1])];
    }
    const height = Math.round(Math.max(260, Math.min(width * (data.mode === "member" ? 0.7 : 0.6), 560)));
    const extent = [[MARGIN, MARGIN], [width - MARGIN, height - MARGIN]];
    const circles = points.map((point) => d3.geoCircle().center(point).radius(2)());
    if (data.mode === "member") {
      const country = world.byId.get(data.places[0].outline);
      const part = country ? parts(country).find((p) => d3.geoContains(p, points[0])) || largestPart(country)
        : circles[0];
      const [longitude, latitude] = d3.geoCentroid(part);
      const projection = d3.geoAzimuthalEqualArea().rotate([-longitude, -latitude]).clipAngle(90);
      return [projection.fitExtent(extent, {type: "GeometryCollection", geometries: [part, ...circles]}), height];
    }
    const target = {type: "GeometryCollection",
      geometries: [...circles, {type: "MultiLineString", coordinates: arcs.flat()}]};
    const projection = d3.geoNaturalEarth1().rotate([-d3.geoCentroid(target)[0], 0]);
    return [points.length ? projection.fitExtent(extent, target) : projection.fitWidth(width, {type: "Sphere"}),
      height];
  }

  // The map is two SVGs of the same size: the image (role="img", described by its aria-label: the outlines)
  // and, over it, the lines and dots as links for the pointer, hidden from assistive technology and left out
  // of the tab order (the table below the map has the same links), as links must not be inside an image.
  // Its time is measured ("map-draw" in the page's performance timeline, which the browser tests read).
  function draw(figure, data, world, width) {
    const started = performance.now();
    const svg = figure.querySelector("svg.map-image");
    const canvas = figure.querySelector(".map-canvas");
    const links = canvas.querySelector("svg.map-links")
      || element("svg", {class: "map-links", "aria-hidden": "true", focusable: "false"}, canvas);
    const points = data.places.map((place) => position(place, world));
    const arcs = data.pairings.map((pairing) => lines(pairing, points));
    const [projection, height] = frame(data, world, points, arcs, width);
    const path = d3.geoPath(projection).digits(1); // a tenth of a pixel is enough, and keeps 10,000 arcs light
    for (const layer of [svg, links]) {
      layer.replaceChildren();
      layer.setAttribute("viewBox", `0 0 ${width} ${height}`);
      layer.setAttribute("width", width);
      layer.setAttribute("height", height);
    }
    element("path", {class: "sphere", d: path({type: "Sphere"})}, svg);
    const land = element("g", {class: "countries"}, svg);
    const focus = data.mode === "member" ? world.byId.get(data.places[0].outline) : undefined;
    for (const country of world.countries) {
      element("path", {class: country === focus ? "country focus" : "country", d: path(country)}, land);
    }
    // one group per stream carries its colour and dashes; in it, per pairing, a link holding one path
    const groups = data.themes.map((theme) => element("g",
      {class: "arcs", stroke: theme.colour, "stroke-dasharray": theme.dash}, links));
    data.pairings.forEach((pairing, i) => {
      const link = element("a", {class: "arc", href: pairing.href, tabindex: "-1"}, groups[pairing.theme]);
      element("title", {}, link).textContent = `${pairing.label} (${data.themes[pairing.theme].label})`;
      const d = arcs[i].length ? path({type: "MultiLineString", coordinates: arcs[i]}) : null;
      element("path", {class: "line", d}, link);
    });
    const placeLayer = element("g", {class: "places"}, links);
    data.places.forEach((place, i) => {
      const xy = projection(points[i]);
      if (!xy || !isFinite(xy[0]) || !isFinite(xy[1])) return; // beyond the visible hemisphere
      const link = element("a", {class: "place-link", href: place.href, tabindex: "-1"}, placeLayer);
      element("title", {}, link).textContent = `${place.label}${place.in ? ", " + place.in : ""}`
        + (place.approximate ? ` (${place.note})` : "");
      element("circle", {
        class: place.approximate ? "place approximate" : "place", cx: xy[0].toFixed(1), cy: xy[1].toFixed(1),
        r: data.mode === "landing" ? 3 : 5,
        "data-lon": place.approximate ? points[i][0].toFixed(4) : null,
        "data-lat": place.approximate ? points[i][1].toFixed(4) : null,
      }, link);
      if (data.mode !== "landing") {
        const right = xy[0] < width * 0.7;
        element("text", {x: (xy[0] + (right ? 9 : -9)).toFixed(1), y: (xy[1] + 4).toFixed(1),
          "text-anchor": right ? "start" : "end"}, link).textContent = place.label;
      }
    });
    performance.measure("map-draw", {start: started});
  }

  function start(figure) {
    const canvas = figure.querySelector(".map-canvas");
    Promise.all([mapData(figure), atlas(figure.dataset.atlas)]).then(([data, world]) => {
      if (!data.places.length) {
        figure.querySelector(".map-status").textContent = "None of this has a place on the map; see below.";
        return;
      }
      let drawnWidth = 0;
      const redraw = () => {
        const width = Math.floor(canvas.clientWidth);
        if (width > 0 && width !== drawnWidth) {
          drawnWidth = width;
          draw(figure, data, world, width);
        }
      };
      figure.classList.toggle("dense", data.pairings.length > DENSE);
      redraw();
      figure.classList.add("drawn");
      const text = figure.querySelector("details.map-text");
      if (text) text.open = false; // the table stays a click away; without JavaScript it is open
      new ResizeObserver(() => requestAnimationFrame(redraw)).observe(canvas);
    }).catch((error) => {
      figure.classList.add("failed");
      figure.querySelector(".map-status").textContent = `The map could not be drawn (${error.message}); `
        + "what it shows is listed below.";
    });
  }

  document.querySelectorAll("figure.world-map").forEach(start);
})();
