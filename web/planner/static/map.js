/* Planner map: need per site, depots and reload points, tours along the roads, KPIs, unassigned.
 * Data comes from the page's JSON endpoints; OSM names are inserted as text only. */
"use strict";

(() => {
  const { el, getJSON, postJSON, pollJob, replace, t, hhmm, minutes, hours, number } = GT;
  const root = document.getElementById("map-page");
  const day = root.dataset.day;
  const urls = JSON.parse(document.getElementById("gt-urls").textContent);
  const NEED_COLOURS = { overdue: "#c62828", due: "#ef6c00", soon: "#f9a825", not_due: "#2e7d32", candidate: "#9e9e9e" };

  const map = L.map("map", { preferCanvas: false });
  const layers = { roads: L.layerGroup(), candidates: L.layerGroup(), sites: L.layerGroup(), places: L.layerGroup(), tours: L.layerGroup() };
  Object.values(layers).forEach((l) => l.addTo(map));
  let fitted = false;

  // How long the map waits for the first tile before it draws the road network as vectors.
  const TILE_WAIT_MS = 4000;

  function setupBase(base) {
    // Without tiles the map is never blank: the road network is drawn as vectors when no base
    // layer is configured, a tile fails, or none arrived after TILE_WAIT_MS (and only then
    // loaded: the day map needs no road network when the tiles work).
    if (!base || !base.url) { loadRoads(); return; }
    let tileArrived = false;
    const tiles = L.tileLayer(base.url, { attribution: base.attribution, maxZoom: base.max_zoom || 19 });
    tiles.once("tileload", () => { tileArrived = true; map.removeLayer(layers.roads); });
    tiles.once("tileerror", () => { if (!tileArrived) loadRoads(); });
    setTimeout(() => { if (!tileArrived) loadRoads(); }, TILE_WAIT_MS);
    tiles.addTo(map);
  }

  let roadsLoaded = false;

  async function loadRoads() {
    if (roadsLoaded) return;
    roadsLoaded = true;
    try {
      const roads = await getJSON(urls.roads);
      L.geoJSON(roads, { style: { color: "#90a4ae", weight: 1.5, opacity: 0.9 }, interactive: false }).addTo(layers.roads);
    } catch (e) { /* roads are a fallback; sites and tours still draw */ }
  }

  function row(label, value) { return [el("dt", {}, label), el("dd", {}, value ?? "–")]; }

  function sitePopup(p) {
    return el("div", { class: "popup" },
      el("strong", {}, p.label || p.name || t("Fläche ohne Namen")),
      el("div", { class: "muted" }, p.category_label || p.category || ""),
      el("dl", {},
        row(t("Bedarf"), p.need_label),
        row(t("Pflegeklasse"), p.care_class),
        row(t("Letzte Pflege"), p.last_service),
        row(t("Prognose"), p.forecast),
        row(t("Warum"), p.why),
        row(t("Fällig"), p.due_window),
        row(t("Dauer"), p.duration_min != null ? `${p.duration_min} min (${p.duration_source || "?"})` : null),
        row(t("Quelle"), p.provenance)));
  }

  function drawSites(fc) {
    layers.sites.clearLayers();
    L.geoJSON(fc, {
      style: (f) => ({ color: NEED_COLOURS[f.properties.need] || "#607d8b", weight: 1.5, fillOpacity: f.properties.need === "candidate" ? 0.15 : 0.45, className: `site need-${f.properties.need}` }),
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 6 }),
      onEachFeature: (f, layer) => layer.bindPopup(() => sitePopup(f.properties)),
    }).addTo(layers.sites);
  }

  // OSM candidates (grey) only when the planner asks: the day's map does not need them.
  let candidatesShown = false;
  async function toggleCandidates(btn) {
    candidatesShown = !candidatesShown;
    btn.setAttribute("aria-pressed", String(candidatesShown));
    layers.candidates.clearLayers();
    if (!candidatesShown) return;
    const fc = await getJSON(urls.candidates);
    L.geoJSON(fc, {
      style: () => ({ color: NEED_COLOURS.candidate, weight: 1, fillOpacity: 0.15, className: "site need-candidate" }),
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 5 }),
      onEachFeature: (f, layer) => layer.bindPopup(() => el("div", { class: "popup" },
        el("strong", {}, f.properties.label), el("div", { class: "muted" }, f.properties.category_label),
        el("dl", {}, row(t("Bedarf"), f.properties.need_label), row(t("Quelle"), f.properties.provenance)))),
    }).addTo(layers.candidates);
  }

  function drawPlaces(places) {
    layers.places.clearLayers();
    for (const p of places) {
      const depot = p.kind === "depot";
      const icon = L.divIcon({ className: "", html: el("div", { class: "badge " + (depot ? "ok" : "warn") }, depot ? "D" : "R"), iconSize: [18, 18] });
      // the depot is drawn above reload points that lie on its yard (the water tank)
      L.marker([p.lat, p.lon], { icon, title: p.name, alt: p.name, zIndexOffset: depot ? 1000 : 0 }).bindPopup(() => el("div", { class: "popup" }, el("strong", {}, p.name), el("div", {}, p.kind_label), el("div", { class: "muted" }, p.hours || ""))).addTo(layers.places);
    }
  }

  function drawTours(tours) {
    layers.tours.clearLayers();
    for (const tour of tours) {
      if (tour.coords.length > 1) L.polyline(tour.coords.map(([x, y]) => [y, x]), { color: tour.color, weight: 4, opacity: 0.85 }).addTo(layers.tours);
      for (const s of tour.stops) {
        const key = `${tour.crew_day_id}:${s.task_id}`;
        const icon = L.divIcon({ className: "", html: el("div", { class: "stop-label", style: `border-color:${tour.color}`, dataset: { stopKey: key } }, String(s.seq)), iconSize: [22, 22] });
        L.marker([s.lat, s.lon], { icon, title: `${tour.crew} #${s.seq}` }).bindPopup(() => el("div", { class: "popup" },
          el("strong", {}, `${tour.crew} · ${s.seq}. ${s.site}`),
          el("dl", {}, row(t("Aufgabe"), s.task), row(t("Beginn"), hhmm(s.start)), row(t("Ende"), hhmm(s.end))),
          GT.live ? GT.live.stopDetail((GT.live.data() || { stops: {} }).stops[key], false) : null)).addTo(layers.tours);
      }
    }
  }

  function drawKpis(tours) {
    const body = tours.map((tour) => el("tr", {},
      el("td", {}, el("span", { class: "dot", style: `display:inline-block;width:.7rem;height:.7rem;background:${tour.color};margin-right:.3rem` }), tour.crew),
      el("td", { class: "num" }, tour.stops.length),
      el("td", { class: "num" }, hours(tour.kpi.drive_s)),
      el("td", { class: "num" }, hours(tour.kpi.work_s)),
      el("td", { class: "num" }, number(tour.kpi.distance_m / 1000)),
      el("td", { class: "num" }, `${Math.round(tour.kpi.utilisation * 100)} %`),
      el("td", { class: "num" }, minutes(tour.kpi.overtime_s)),
      el("td", {}, el("a", { href: tour.print_url, target: "_blank", title: `${t("Tagesauftrag")} ${tour.crew}`, "aria-label": `${t("Tagesauftrag")} ${tour.crew}` }, t("Druck")))));
    replace(document.getElementById("kpi-body"), body.length ? body : [el("tr", {}, el("td", { colspan: 8, class: "muted" }, t("Noch kein Plan für diesen Tag.")))]);
    replace(document.getElementById("tour-list"), tours.map((tour) => el("details", { class: "tour", dataset: { crewDayId: tour.crew_day_id } },
      el("summary", {}, el("span", { style: `color:${tour.color}` }, "■ "), `${tour.crew} (${tour.stops.length})`),
      el("ol", {}, tour.stops.map((s) => el("li", { class: s.urgent ? "urgent" : "" },
        `${hhmm(s.start)} ${s.site} – ${s.task_label || s.task}`, s.urgent ? el("strong", {}, ` (${t("dringend")})`) : null))))));
  }

  function drawUnassigned(items) {
    const list = document.getElementById("unassigned-list");
    document.getElementById("unassigned-count").textContent = String(items.length);
    replace(list, items.map((u) => el("li", { dataset: { taskId: u.task_id } },
      el("strong", {}, u.site), " – ", u.task, ` (${minutes(u.duration_s)} min)`,
      el("ul", {}, u.reasons.map((r) => el("li", { class: "reason" }, r))))));
  }

  /** "Plan prüfen": the plan's findings; an empty list is the normal case. */
  function drawCheck(plan) {
    const list = document.getElementById("check-list");
    const count = document.getElementById("check-count");
    const button = document.getElementById("btn-check");
    button.disabled = !plan;
    button.dataset.planId = plan ? String(plan.id) : "";
    if (!plan) { count.textContent = "–"; replace(list, []); return; }
    if (plan.check === null || plan.check === undefined) {
      count.textContent = "–";
      replace(list, [el("li", { class: "muted" }, t("Noch nicht geprüft."))]);
      return;
    }
    count.textContent = String(plan.check.length);
    replace(list, plan.check.length
      ? plan.check.map((f) => el("li", { class: "finding " + f.kind, dataset: { kind: f.kind } }, f.text))
      : [el("li", { class: "ok" }, t("Keine Beanstandungen."))]);
  }

  async function recheck() {
    const button = document.getElementById("btn-check");
    const id = button.dataset.planId;
    if (!id) return;
    button.disabled = true;
    try {
      const res = await postJSON(urls.check.replace(/\/0\/check$/, `/${id}/check`), {});
      drawCheck({ id: Number(id), check: res.check });
    } catch (e) {
      replace(document.getElementById("check-list"), [el("li", { class: "error" }, `${t("Fehler")}: ${e.message}`)]);
    } finally { button.disabled = false; }
  }

  function drawBalance(b) {
    const box = document.getElementById("balance");
    if (!b) { replace(box, ""); return; }
    replace(box, [el("span", { class: "badge " + (b.short_h > 0 ? "err" : "ok") },
      `${t("Fällig")}: ${number(b.due_h)} h · ${t("Verfügbar")}: ${number(b.available_h)} h`),
      b.week_status === "überlastet" ? el("span", { class: "badge err", id: "week-overload" },
        `${t("Woche überlastet")}: ${b.week_note}`) : null].filter(Boolean));
  }

  async function refresh() {
    const data = await getJSON(urls.data);
    drawSites(data.sites);
    drawPlaces(data.places);
    drawTours(data.tours);
    drawKpis(data.tours);
    drawUnassigned(data.unassigned);
    drawCheck(data.plan);
    drawBalance(data.balance);
    document.getElementById("plan-info").textContent = data.plan ? `${t("Plan")} #${data.plan.id} · ${data.plan.created}` : t("Noch kein Plan für diesen Tag.");
    if (!fitted && data.bbox) { map.fitBounds([[data.bbox[1], data.bbox[0]], [data.bbox[3], data.bbox[2]]]); fitted = true; }
    root.dataset.loaded = String(Date.now());
    GT.mapView = { map, layers, data };
    document.dispatchEvent(new CustomEvent("gt:map-drawn"));
    return data;
  }

  async function runJob(url, label) {
    const status = document.getElementById("job-status");
    const bar = document.querySelector("#job-progress > div");
    document.querySelectorAll(".actions button").forEach((b) => (b.disabled = true));
    try {
      status.textContent = label;
      const started = await postJSON(url, { day });
      const job = await pollJob(started.job_url, (j) => {
        bar.style.width = `${j.progress || 0}%`;
        status.textContent = `${label}: ${j.message || j.status_label || j.status} (${j.progress || 0} %)`;
      });
      if (job.status === "failed") status.textContent = `${t("Fehler")}: ${job.message}`;
      else { status.textContent = `${label}: ${job.message || t("fertig")}`; await refresh(); }
    } catch (e) {
      status.textContent = `${t("Fehler")}: ${e.message}`;
    } finally {
      document.querySelectorAll(".actions button").forEach((b) => (b.disabled = false));
    }
  }

  document.getElementById("btn-check").addEventListener("click", recheck);
  const candidatesBtn = document.getElementById("btn-candidates");
  if (candidatesBtn) candidatesBtn.addEventListener("click", () => toggleCandidates(candidatesBtn));
  document.getElementById("btn-plan").addEventListener("click", () => runJob(urls.plan, t("Planen")));
  document.getElementById("btn-replan").addEventListener("click", () => runJob(urls.replan, t("Neu planen")));
  document.getElementById("btn-optimize").addEventListener("click", () => runJob(urls.optimize, t("Länger optimieren")));

  refresh().then((d) => setupBase(d.base_layer))
    .catch((e) => { document.getElementById("plan-info").textContent = `${t("Fehler")}: ${e.message}`; });
})();
