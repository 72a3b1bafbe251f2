/* Planner map: predicted clearance and sight-triangle violations of the next 4 weeks
 * (greentour/duty, docs/duty.md), drawn on demand over the day's map. Texts are inserted as text. */
"use strict";

(() => {
  const { el, getJSON, t } = GT;
  const btn = document.getElementById("btn-hazards");
  if (!btn) return;
  const PROFILE = { carriageway: t("Fahrbahn 4,50 m"), path: t("Geh-/Radweg 2,50 m"), sight_triangle: t("Sichtdreieck 0,80 m") };
  let layer = null;

  function popup(p) {
    return el("div", { class: "popup" },
      el("strong", {}, p.site_name),
      el("div", {}, `${PROFILE[p.profile] || p.profile}: ${t("verletzt ab")} ${p.violation_date}`),
      el("div", { class: "muted" }, `80 %: ${p.violation_p10 || "–"} – ${p.violation_p90 || "–"}`),
      el("div", {}, p.text));
  }

  btn.addEventListener("click", async () => {
    const map = GT.mapView && GT.mapView.map;
    if (!map) return;
    const shown = btn.getAttribute("aria-pressed") === "true";
    if (layer) { layer.remove(); layer = null; }
    btn.setAttribute("aria-pressed", String(!shown));
    if (shown) return;
    const status = document.getElementById("hazard-status");
    try {
      const fc = await getJSON(btn.dataset.url);
      layer = L.geoJSON(fc, {
        style: () => ({ color: "#6a1b9a", weight: 3, dashArray: "6 4", fillOpacity: 0.2, className: "hazard" }),
        pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 7 }),
        onEachFeature: (f, l) => l.bindPopup(() => popup(f.properties)),
      }).addTo(map);
      status.textContent = t("Vorhergesagte Verletzungen: {n}").replace("{n}", fc.features.length);
    } catch (e) {
      status.textContent = `${t("Fehler")}: ${e.message}`;
    }
  });
})();
