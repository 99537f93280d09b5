/* The SPARQL editor: YASGUI (vendored, static/vendor/yasgui/) over the plain form of /sparql.
 *
 * Progressive enhancement: without JavaScript, or if YASGUI fails to start, the form (textarea and
 * Run) and the table the server renders keep working. Every request goes to this server's endpoint:
 * prefix completion uses the graph's own prefixes (never prefix.cc), class and property completion
 * ask the local endpoint (never LOV), there is no endpoint catalogue (no DBpedia, no Wikidata).
 */
(function () {
  "use strict";

  var MAX_LABELLED = 200; // IRIs of a page of results whose labels one follow-up query asks for
  var MAX_URL = 8000; // the longest address the page keeps in the address bar for the current query

  var settingsEl = document.getElementById("editor-settings");
  var form = document.querySelector("form.editor");
  if (!settingsEl || !form || !window.Yasgui) return;
  var settings = JSON.parse(settingsEl.textContent);
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  var Yasr = Yasgui.Yasr;
  var endpoint = form.action; // absolute: YASGUI parses it as a URL
  var textarea = form.querySelector("textarea[name=query]");
  var labels = new Map(); // IRI -> rdfs:label, for every IRI asked about so far ("" when it has none)

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var queue = Promise.resolve(); // the editor's own queries, one at a time (the server counts a client's queries)

  function select(query) {
    // Run a SELECT on the local endpoint after the editor's earlier ones; its bindings, or a rejection.
    var run = queue.then(function () {
      return fetch(endpoint, {
        method: "POST",
        headers: { Accept: "application/sparql-results+json" },
        body: new URLSearchParams({ query: query }),
      });
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status + " " + response.statusText);
      return response.json();
    }).then(function (json) { return json.results.bindings; });
    queue = run.catch(function () {});
    return run;
  }

  function completions(query) {
    // A completer's get(): the IRIs the query lists, asked for at the first completion, matched to the token.
    var pending = null;
    return function (_yasqe, token) {
      if (!pending) {
        pending = select(query).then(function (rows) { return rows.map(function (row) { return row.t.value; }); });
        pending.catch(function () { pending = null; });
      }
      var start = (token && token.autocompletionString) || "";
      return pending.then(function (iris) {
        return iris.filter(function (iri) { return iri.indexOf(start) === 0; }).sort().slice(0, 50);
      }, function () { return []; });
    };
  }

  // Completion: the graph's prefixes, and the classes and properties the graph uses, from this server only.
  var prefixList = Object.keys(settings.prefixes).sort().map(function (p) {
    return p + ": <" + settings.prefixes[p] + ">";
  });
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.prefixes, { get: prefixList }));
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.property, {
    get: completions("SELECT DISTINCT ?t WHERE { ?s ?t ?o } LIMIT 2000"),
  }));
  Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters["class"], {
    get: completions("SELECT DISTINCT ?t WHERE { ?s a ?t FILTER(isIRI(?t)) } LIMIT 2000"),
  }));

  function compact(iri, prefixes) {
    var best = null;
    Object.keys(prefixes || {}).forEach(function (p) {
      var ns = prefixes[p];
      var longer = !best || ns.length > prefixes[best].length;
      if (ns && iri.indexOf(ns) === 0 && iri.length > ns.length && longer) best = p;
    });
    return best === null ? null : best + ":" + iri.slice(prefixes[best].length);
  }

  function hrefOf(iri) {
    // Minted IRIs open their page on this server; other http(s) IRIs are plain links.
    if (iri.indexOf(settings.base) === 0) return "/" + iri.slice(settings.base.length);
    return /^https?:\/\//i.test(iri) ? iri : null;
  }

  function iriHtml(iri, prefixes) {
    var shown = compact(iri, prefixes);
    var href = hrefOf(iri);
    var text = escapeHtml(shown || iri);
    var link = href
      ? "<a class='iri' href='" + escapeHtml(href) + "' title='" + escapeHtml(iri) + "'" +
        (href === iri ? " target='_blank' rel='noopener noreferrer'" : "") + ">" + text + "</a>"
      : "<span class='iri' title='" + escapeHtml(iri) + "'>" + text + "</span>";
    if (!shown) link = "&lt;" + link + "&gt;";
    var label = labels.get(iri);
    return label ? link + " <span class='iri-label'>" + escapeHtml(label) + "</span>" : link;
  }

  function pickLabel(found) {
    // English, then no language tag, then any.
    return found.en || found[""] || found[Object.keys(found)[0]];
  }

  function fetchLabels(iris) {
    // One bounded query for the rdfs:labels of some IRIs; resolves to whether any was found
    // (after a failure, they are asked for again on the next draw).
    var values = iris.map(function (iri) { return "<" + iri + ">"; }).join(" ");
    var query = "SELECT ?s ?label WHERE { VALUES ?s { " + values + " } " +
      "?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT " + iris.length * 20;
    return select(query).then(function (rows) {
      var byIri = {};
      rows.forEach(function (row) {
        var lang = (row.label["xml:lang"] || "").toLowerCase().split("-")[0];
        (byIri[row.s.value] = byIri[row.s.value] || {})[lang] = row.label.value;
      });
      Object.keys(byIri).forEach(function (iri) { labels.set(iri, pickLabel(byIri[iri])); });
      return Object.keys(byIri).length > 0;
    }, function () {
      iris.forEach(function (iri) { labels.delete(iri); });
      return false;
    });
  }

  // Yasr's table, with IRIs compacted by the graph's prefixes, linked to their pages here, labelled.
  var Table = Yasr.plugins.table;
  class LabelledTable extends Table {
    getUriLinkFromBinding(binding, prefixes) {
      return iriHtml(binding.value, prefixes);
    }
    draw(persistentConfig) {
      var drawn = super.draw(persistentConfig);
      var self = this;
      if (this.dataTable) {
        this.dataTable.on("draw", function () { self.labelPage(); });
        this.labelPage();
      }
      return drawn;
    }
    labelPage() {
      // Ask for the labels of the IRIs on the page shown, then draw it again with them.
      var table = this.dataTable;
      var wanted = [];
      table.rows({ page: "current" }).data().toArray().forEach(function (row) {
        row.slice(1).forEach(function (cell) {
          if (cell && cell.type === "uri" && !labels.has(cell.value) && wanted.indexOf(cell.value) < 0 &&
              !/[\s<>"{}|^`\\]/.test(cell.value) && wanted.length < MAX_LABELLED) wanted.push(cell.value);
        });
      });
      if (!wanted.length) return;
      wanted.forEach(function (iri) { labels.set(iri, ""); });
      fetchLabels(wanted).then(function (found) {
        if (found && table === this.dataTable) table.rows({ page: "current" }).invalidate("data").draw(false);
      }.bind(this));
    }
  }
  Yasr.registerPlugin("table", LabelledTable);

  function errorRenderer(error) {
    // The server's answer to a query it refused: its status and message, the faulty line marked.
    var text = (error && error.text) || "";
    var parts = /^(\d{3}) ([^:\n]+): ([\s\S]*)$/.exec(text.trim());
    if (!parts) return Promise.resolve(undefined);
    var el = document.createElement("div");
    el.className = "editor-error";
    var title = document.createElement("p");
    title.className = "editor-error-title";
    title.textContent = "The query was not run (" + parts[1] + " " + parts[2] + "):";
    var message = document.createElement("pre");
    message.className = "editor-error-message";
    message.textContent = parts[3];
    el.appendChild(title);
    el.appendChild(message);
    markErrorLine(parts[3]);
    return Promise.resolve(el);
  }
  Yasr.defaults.errorRenderers = [errorRenderer];

  var container = document.createElement("div");
  container.id = "yasgui";
  form.parentNode.insertBefore(container, form.nextSibling);
  var downloads = document.createElement("p");
  downloads.className = "editor-downloads";
  downloads.hidden = true;
  container.parentNode.insertBefore(downloads, container.nextSibling);

  var yasgui;
  try {
    yasgui = new Yasgui(container, {
      persistenceId: "iuckg-sparql",
      populateFromUrl: false, // the query in the address is opened below, against this endpoint only
      autoAddOnInit: false, // a first visit from a link gets that link's tab only
      autofocus: false,
      tabName: "Query",
      copyEndpointOnNewTab: false,
      requestConfig: {
        endpoint: endpoint,
        method: "POST",
        acceptHeaderSelect: "application/sparql-results+json,*/*;q=0.9",
        acceptHeaderGraph: "text/turtle,*/*;q=0.9",
      },
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      yasqe: { value: settings.examples.length ? settings.examples[0].query : "", editorHeight: "280px" },
      yasr: { prefixes: settings.prefixes, maxPersistentResponseSize: 0 },
    });
  } catch (error) {
    container.remove();
    downloads.remove();
    if (window.console) console.error("the SPARQL editor could not start; the plain form stays", error);
    return;
  }
  form.classList.add("enhanced");
  document.body.classList.add("has-yasgui");

  // YASGUI puts its "+" button inside the tablist, where only tabs belong (ARIA): it goes just after it.
  var tabElements = yasgui.tabElements;
  var tabsList = tabElements._tabsListEl;
  var addTab = tabElements.addTabEl;
  if (tabsList && addTab && addTab.parentNode === tabsList) {
    var tabBar = document.createElement("div");
    tabBar.className = "editor-tabbar";
    tabsList.parentNode.insertBefore(tabBar, tabsList);
    tabBar.appendChild(tabsList);
    addTab.removeAttribute("role");
    tabBar.appendChild(addTab);
    tabElements.addTabEl = undefined; // new tabs are appended to the list
  }

  // Names for the controls YASGUI draws without one (each tab's editor, the results' page size).
  var names = {
    ".CodeMirror textarea": "SPARQL query", ".tableSizer": "Results per page", ".tabsList input": "Tab name",
  };
  function nameControls() {
    Object.keys(names).forEach(function (selector) {
      container.querySelectorAll(selector + ":not([aria-label])").forEach(function (el) {
        el.setAttribute("aria-label", names[selector]);
      });
    });
  }
  new MutationObserver(nameControls).observe(container, { childList: true, subtree: true });
  nameControls();

  function pin(tab) {
    // Every tab queries this server, whatever a stored tab said.
    if (tab && tab.getEndpoint() !== endpoint) tab.setEndpoint(endpoint);
  }
  yasgui.persistentConfig.getTabs().forEach(function (id) { pin(yasgui.getTab(id)); });
  yasgui.on("queryBefore", function (_yasgui, tab) { pin(tab); });

  function titleOf(query) {
    var example = settings.examples.find(function (e) { return e.query.trim() === query.trim(); });
    return example ? example.title : undefined;
  }

  function open(query) {
    // The tab holding this query (a new one if no tab holds it), selected.
    var found = yasgui.persistentConfig.getTabs().find(function (id) {
      var tab = yasgui.getTab(id);
      return tab && tab.getPersistedJson().yasqe.value.trim() === query.trim();
    });
    if (found) {
      yasgui.selectTabId(found);
      return yasgui.getTab(found);
    }
    var config = { yasqe: { value: query }, requestConfig: { endpoint: endpoint } };
    var name = titleOf(query);
    if (name) config.name = name;
    return yasgui.addTab(true, config);
  }

  function currentQuery() {
    var tab = yasgui.getTab();
    return tab && tab.getYasqe() ? tab.getQuery() : textarea.value;
  }

  // The query in the address opens in the editor: ?query= (the plain form's links, whose results the
  // server has drawn below), or #query= (YASGUI's share links), which is run at once.
  var fromHash = new URLSearchParams(location.hash.slice(1)).get("query");
  var fromPage = new URLSearchParams(location.search).get("query");
  if (fromHash !== null) {
    history.replaceState(null, "", location.pathname + location.search);
    open(fromHash).query().catch(function () {});
  } else if (fromPage !== null) {
    open(fromPage);
  } else if (!yasgui.persistentConfig.getTabs().length) {
    yasgui.addTab(true);
  }

  // Examples, chosen from a list, open in a tab of their own and run.
  if (settings.examples.length) {
    var label = document.createElement("label");
    label.className = "editor-examples";
    label.textContent = "Example queries ";
    var choice = document.createElement("select");
    choice.id = "example-select";
    var placeholder = document.createElement("option");
    placeholder.value = "";
    placeholder.textContent = "Choose an example…";
    choice.appendChild(placeholder);
    settings.examples.forEach(function (example, i) {
      var option = document.createElement("option");
      option.value = String(i);
      option.textContent = example.title;
      choice.appendChild(option);
    });
    choice.addEventListener("change", function () {
      if (choice.value === "") return;
      var example = settings.examples[Number(choice.value)];
      choice.value = "";
      open(example.query).query().catch(function () {});
    });
    label.appendChild(choice);
    form.insertBefore(label, form.firstChild);
  }

  // The plain form's button still opens the query as a page of its own (a link that works without JavaScript).
  var run = form.querySelector("#run");
  if (run) {
    run.textContent = "Open as a page";
    run.title = "Run the query on the server and open its results as a page with a link of its own";
  }
  form.addEventListener("submit", function () { textarea.value = currentQuery(); });

  function pageUrl(query, format) {
    return endpoint + "?" + new URLSearchParams({ query: query, format: format });
  }

  function showDownloads(tab) {
    // Links to the whole answer from the server, in every format it offers for this kind of query.
    var yasqe = tab.getYasqe();
    var kind = yasqe.getQueryType();
    var group = kind === "CONSTRUCT" || kind === "DESCRIBE" ? "graph" : "results";
    var query = yasqe.getValue();
    downloads.textContent = "Download the whole answer from the server: ";
    settings.downloads[group].forEach(function (format, i) {
      if (i) downloads.appendChild(document.createTextNode(" · "));
      var a = document.createElement("a");
      a.href = pageUrl(query, format.format);
      a.textContent = format.label;
      downloads.appendChild(a);
    });
    downloads.hidden = false;
  }

  function markErrorLine(message) {
    // Highlight the line the server's parser stopped at, until the query changes.
    var tab = yasgui.getTab();
    var yasqe = tab && tab.getYasqe();
    var at = /at line (\d+), column (\d+)/.exec(message);
    if (!yasqe || !at) return;
    var line = Math.min(Number(at[1]), yasqe.lineCount()) - 1;
    yasqe.addLineClass(line, "background", "editor-error-line");
    yasqe.on("change", function clear() {
      yasqe.removeLineClass(line, "background", "editor-error-line");
      yasqe.off("change", clear);
    });
  }

  yasgui.on("query", function (_yasgui, tab) {
    // What the server drew for the address's query is now stale: hide it, and keep the address current.
    document.querySelectorAll(".server-answer").forEach(function (el) { el.hidden = true; });
    var query = tab.getQuery();
    var url = pageUrl(query, "html");
    history.replaceState(null, "", url.length <= MAX_URL ? url : endpoint);
    textarea.value = query;
    downloads.hidden = true;
  });
  yasgui.on("queryResponse", function (_yasgui, tab) {
    // The tab hands the response to Yasr right after this event: look at it once it has.
    setTimeout(function () {
      var results = tab.getYasr() && tab.getYasr().results;
      if (results && !results.hasError()) showDownloads(tab);
    }, 0);
  });
})();
