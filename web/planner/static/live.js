/* The live day on the map and the week board: the crews' reports as they arrive (polled),
 * progress per crew, "in Plan übernehmen", draft/publish with the change summary per crew and
 * the banner when the line-up or the orders changed after the shown plan.
 * Text from the server (site names, notes, reasons) is inserted as text only. */
"use strict";

GT.live = (() => {
  const { el, getJSON, postJSON, replace, t, hhmm } = GT;
  const urls = JSON.parse(document.getElementById("gt-urls").textContent);
  const POLL_MS = 15000;
  const STATE_MARK = { started: "▶", done: "✓", partly: "◐", not_possible: "✗" };
  let last = null;
  const listeners = [];
  /** A server text in the page's language: ``x[key + "_en"]`` on English pages when given. */
  const EN = document.documentElement.lang === "en";
  const tr = (x, key) => (EN && x[`${key}_en`]) || x[key];

  /** Render a board check (re-timed target tour, violations, warnings) with its buttons. */
  function renderCheck(box, check, move, onApplied) {
    const retimed = el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "#"), el("th", { scope: "col" }, t("Fläche")), el("th", { scope: "col" }, t("Aufgabe")), el("th", { scope: "col" }, t("Beginn")), el("th", { scope: "col" }, t("Ende")))),
      el("tbody", {}, check.stops.map((s) => el("tr", { class: s.moved ? "moved" : "" },
        el("td", {}, String(s.seq)), el("td", {}, s.site), el("td", {}, s.task), el("td", {}, hhmm(s.start)), el("td", {}, hhmm(s.end))))));
    const head = check.feasible
      ? el("p", { class: "check-head" }, el("strong", {}, t("Umplanung möglich")), ` – ${check.crew}: ${t("Ende")} ${hhmm(check.end)}`)
      : el("p", { class: "check-head" }, el("strong", {}, t("Umplanung nicht möglich")), ` – ${check.crew}`);
    const overtime = (check.warnings || []).length > 0;
    const pending = check.feasible ? { ...move, crew_day_id: check.crew_day_id, confirm_overtime: overtime } : null;
    const close = () => { replace(box, ""); box.className = box.dataset.baseClass || "check-result"; };
    const apply = async () => {
      try { await postJSON(urls.move, pending); close(); onApplied(); }
      catch (e) { replace(box, el("p", { class: "reason" }, `${t("Nicht gespeichert")}: ${e.message}`)); }
    };
    box.className = (box.dataset.baseClass || "check-result") + " " + (check.feasible ? (overtime ? "accepted overtime" : "accepted") : "refused");
    replace(box, head,
      el("ul", { class: "violations" }, check.violations.map((v) => el("li", { class: "reason" }, v))),
      el("ul", { class: "warnings" }, (check.warnings || []).map((w) => el("li", { class: "warning" }, w))),
      retimed,
      el("div", { class: "actions" },
        check.feasible ? el("button", { class: "btn", type: "button", id: "btn-apply", onclick: apply }, t(overtime ? "Mit Überstunden übernehmen" : "Übernehmen")) : null,
        el("button", { class: "btn secondary", type: "button", onclick: close }, t("Verwerfen"))));
  }

  /** A refusal the server answered with 4xx before any check (e.g. "fällig ab 25.06."). */
  function renderRefusal(box, message) {
    box.className = (box.dataset.baseClass || "check-result") + " refused";
    replace(box, el("p", { class: "check-head" }, el("strong", {}, t("Umplanung nicht möglich")), `: ${message}`),
      el("div", { class: "actions" }, el("button", { class: "btn secondary", type: "button", onclick: () => { replace(box, ""); box.className = box.dataset.baseClass || "check-result"; } }, t("Verwerfen"))));
  }

  function banner(data) {
    const box = document.getElementById("live-banner");
    if (!box) return;
    const parts = [];
    const drafts = data.publication.filter((p) => p.draft);
    if (drafts.length) {
      const pub = data.publication.find((p) => p.published_version) || {};
      parts.push(el("p", { class: "banner draft" }, el("strong", {}, t("Entwurf")), " – ",
        pub.published_version ? `${t("Die Tablets zeigen die veröffentlichte Version")} ${pub.published_version} (${pub.published_at}). ` : `${t("Die Tablets zeigen noch keinen Plan.")} `,
        t("Erst „Veröffentlichen“ schickt diesen Plan an die Kolonnen.")));
    }
    if (data.stale.stale) {
      parts.push(el("p", { class: "banner stale" }, el("strong", {}, t("Plan veraltet")), " – ",
        `${t("Seit dem Plan geändert")}: ${data.stale.lineup} ${t("Kolonnentage (Besetzung)")}, ${data.stale.orders} ${t("neue Aufträge")}. ${t("Bitte neu planen.")}`));
    }
    replace(box, parts);
    const publish = document.getElementById("btn-publish");
    if (publish) publish.disabled = drafts.length === 0;
  }

  function changeList(c) {
    const items = [];
    if (c.first_tour) items.push(el("li", {}, `${t("Erste Tour")}: ${c.added.length} ${t("Stopps")}`));
    else {
      c.added.forEach((a) => items.push(el("li", {}, `+ ${tr(a, "site")} (${tr(a, "task")}) ${a.start}`)));
      c.removed.forEach((r) => items.push(el("li", {}, `− ${tr(r, "site")} (${tr(r, "task")})`, r.to ? ` → ${tr(r, "to")}` : "")));
      c.moved.forEach((m) => items.push(el("li", {}, `↕ ${tr(m, "site")}: ${m.from_seq}. → ${m.to_seq}.`)));
      c.retimed.forEach((r) => items.push(el("li", {}, `⏱ ${tr(r, "site")}: ${r.old_start} → ${r.new_start}`)));
    }
    return el("ul", {}, items);
  }

  async function openPublish() {
    const panel = document.getElementById("publish-panel");
    try {
      const preview = await getJSON(urls.publish);
      const confirm = el("button", { class: "btn", type: "button", id: "btn-publish-confirm" }, t("Jetzt veröffentlichen"));
      const status = el("p", { role: "status" });
      confirm.addEventListener("click", async () => {
        confirm.disabled = true;
        try {
          await postJSON(urls.publish_post, { day: urls.day, days: urls.days, draft_ids: preview.drafts.map((d) => d.id) });
          replace(panel, el("p", { class: "banner ok", id: "publish-done" }, t("Veröffentlicht: die Tablets zeigen jetzt diesen Plan.")));
          refresh();
        } catch (e) { status.textContent = `${t("Nicht veröffentlicht")}: ${e.message}`; confirm.disabled = false; }
      });
      replace(panel,
        el("h2", { id: "publish-title" }, t("Änderungen für die Kolonnen")),
        preview.crews.length ? el("div", { class: "changes" }, preview.crews.map((c) => el("div", { class: "crew-changes", dataset: { crewDayId: c.crew_day_id } },
          el("h3", {}, `${c.crew} · ${tr(c, "day_label")}`), changeList(c))))
          : el("p", { class: "muted" }, t("Keine Änderung an den Touren.")),
        el("div", { class: "actions" }, confirm,
          el("button", { class: "btn secondary", type: "button", onclick: () => { panel.hidden = true; } }, t("Abbrechen"))),
        status);
      panel.hidden = false;
      confirm.focus();
    } catch (e) {
      replace(panel, el("p", { class: "reason" }, e.message));
      panel.hidden = false;
    }
  }

  async function carryOver(stop, box, onApplied) {
    box.dataset.baseClass = "check-result inline";
    try {
      const check = await postJSON(urls.carry, { task_id: stop.task_id, crew_day_id: stop.crew_day_id });
      renderCheck(box, check, { task_id: stop.task_id }, onApplied);
    } catch (e) { renderRefusal(box, e.message); }
    box.focus();
  }

  /** The detail of a reported stop (for popups, the reports list and the board). */
  function stopDetail(s, withActions, onApplied) {
    if (!s || s.state === "planned") return null;
    const facts = [
      s.started && s.state === "started" ? `${t("begonnen")} ${s.started}` : null,
      s.finished && s.state !== "started" ? `${t("gemeldet")} ${s.finished}` : null,
      s.reason ? `${t("Grund")}: ${s.reason}` : null,
      s.grass_length ? `${t("Graslänge")}: ${s.grass_length}` : null,
      s.note ? `${t("Notiz")}: ${s.note}` : null,
      s.outdated ? t("zu einer älteren Planversion gemeldet") : null,
    ].filter(Boolean);
    const box = el("div", { class: "check-result inline", tabindex: "-1" });
    return el("div", { class: `report state-${s.state}` },
      el("strong", {}, `${STATE_MARK[s.state] || ""} ${s.state_label}`),
      facts.length ? el("div", {}, facts.join(" · ")) : null,
      s.photo_url ? el("a", { href: s.photo_url, target: "_blank", rel: "noopener", class: "photo" },
        el("img", { src: s.photo_thumb_url, alt: `${t("Foto der Kolonne")}: ${s.state_label}`, width: 120 })) : null,
      withActions && s.carry_over ? el("button", { class: "btn secondary carry", type: "button", onclick: () => carryOver(s, box, onApplied) }, t("In Plan übernehmen")) : null,
      withActions && s.carry_over ? box : null);
  }

  function decorateChips(data) {
    document.querySelectorAll("td.cell[data-crew-day-id]").forEach((cell) => {
      cell.querySelectorAll(".task-chip").forEach((chip) => {
        const s = data.stops[`${cell.dataset.crewDayId}:${chip.dataset.taskId}`];
        const mark = chip.querySelector(".live-state");
        chip.dataset.state = s ? s.state : "planned";
        if (mark) mark.textContent = s && s.state !== "planned" ? ` ${STATE_MARK[s.state]} ${s.state_label}${s.reason ? ": " + s.reason : ""}` : "";
        while (chip.nextElementSibling && chip.nextElementSibling.classList.contains("chip-extra")) chip.nextElementSibling.remove();
        if (s && s.carry_over && GT.boardCarryOver) {
          chip.after(el("button", { class: "btn secondary carry chip-extra", type: "button", tabindex: String(cell.tabIndex),
            onclick: () => GT.boardCarryOver(chip.dataset.taskId, cell.dataset.crewDayId) }, t("In Plan übernehmen")));
        }
        if (s && s.photo_url) {
          // a link beside the chip (a link inside a role=button chip would not be reachable)
          chip.after(el("a", { class: "chip-photo chip-extra", href: s.photo_url, target: "_blank", rel: "noopener", tabindex: String(cell.tabIndex) },
            el("img", { src: s.photo_thumb_url, alt: `${t("Foto der Kolonne")}: ${s.state_label}`, height: 40 })));
        }
      });
    });
    document.querySelectorAll(".cell-progress[data-crew-day-id]").forEach((box) => {
      const c = data.crews.find((x) => String(x.crew_day_id) === box.dataset.crewDayId);
      replace(box, c && (c.counts.done || c.counts.partly || c.counts.not_possible || c.counts.started) ? progressLine(c) : "");
    });
  }

  function progressLine(c) {
    return el("div", { class: "crew-progress", dataset: { crewDayId: c.crew_day_id } },
      el("div", { class: "pbar", role: "img", "aria-label": `${c.done_pct} % ${t("erledigt")}` }, el("div", { style: `width:${c.done_pct}%` })),
      el("span", {}, `${c.done_h.toLocaleString(document.documentElement.lang)} / ${c.planned_h.toLocaleString(document.documentElement.lang)} h ${t("erledigt")} · ${c.pace}`));
  }

  async function refresh() {
    try {
      const data = await getJSON(urls.live);
      last = data;
      banner(data);
      decorateChips(data);
      listeners.forEach((fn) => fn(data));
      document.body.dataset.liveLoaded = String(Date.now());
    } catch (e) { /* the next poll tries again; the page keeps what it shows */ }
  }

  const publish = document.getElementById("btn-publish");
  if (publish) publish.addEventListener("click", openPublish);
  setInterval(() => { if (!document.hidden) refresh(); }, POLL_MS);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  refresh();

  return { refresh, renderCheck, renderRefusal, stopDetail, progressLine, onData: (fn) => { listeners.push(fn); if (last) fn(last); }, data: () => last, STATE_MARK };
})();
