/* The live day on the map: stop markers coloured by the crews' reports, site popups with the
 * need and last service as they are after the reports, progress per crew and the reports list
 * with photos and "in Plan übernehmen" (see live.js). */
"use strict";

(() => {
  const { el, replace, t } = GT;
  const NEED_COLOURS = { overdue: "#c62828", due: "#ef6c00", soon: "#f9a825", not_due: "#2e7d32", candidate: "#9e9e9e" };

  function paint(data) {
    document.querySelectorAll(".stop-label[data-stop-key]").forEach((node) => {
      const s = data.stops[node.dataset.stopKey];
      node.classList.remove("state-started", "state-done", "state-partly", "state-not_possible");
      if (s && s.state !== "planned") {
        node.classList.add(`state-${s.state}`);
        node.title = s.state_label;
      }
    });
    const view = GT.mapView;
    if (view) {
      view.layers.sites.eachLayer((group) => (group.eachLayer ? group.eachLayer((layer) => {
        const p = layer.feature && layer.feature.properties;
        const now = p && data.sites[String(p.id)];
        if (!now) return;
        Object.assign(p, now);
        if (layer.setStyle) layer.setStyle({ color: NEED_COLOURS[now.need] || "#607d8b" });
      }) : null));
    }
    const crews = document.getElementById("live-progress");
    replace(crews, data.crews.map((c) => el("li", {}, el("strong", {}, c.crew), GT.live.progressLine(c))));
    const reported = Object.values(data.stops).filter((s) => s.state !== "planned");
    document.getElementById("live-count").textContent = String(reported.length);
    const names = {};
    ((view && view.data.tours) || []).forEach((tour) => tour.stops.forEach((s) => { names[`${tour.crew_day_id}:${s.task_id}`] = `${tour.crew} · ${s.seq}. ${s.site}`; }));
    replace(document.getElementById("live-reports"), reported.map((s) => el("li", { dataset: { stopKey: `${s.crew_day_id}:${s.task_id}`, state: s.state } },
      el("div", {}, names[`${s.crew_day_id}:${s.task_id}`] || `${t("Aufgabe")} ${s.task_id}`),
      GT.live.stopDetail(s, true, () => window.location.reload()))));
  }

  GT.live.onData(paint);
  document.addEventListener("gt:map-drawn", () => { const d = GT.live.data(); if (d) paint(d); });
})();
