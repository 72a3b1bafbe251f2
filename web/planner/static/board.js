/* Week board (Plantafel): drag a task to another crew-day; the server checks and re-times it and
 * shows the violations before anything is saved. Text from the server is inserted as text only. */
"use strict";

(() => {
  const { el, postJSON, pollJob, replace, t, hhmm } = GT;
  const urls = JSON.parse(document.getElementById("gt-urls").textContent);
  const result = document.getElementById("check-result");
  let pending = null;

  function showCheck(check, move) {
    const retimed = el("table", { class: "grid" },
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, t("Fläche")), el("th", {}, t("Aufgabe")), el("th", {}, t("Beginn")), el("th", {}, t("Ende")))),
      el("tbody", {}, check.stops.map((s) => el("tr", { class: s.moved ? "moved" : "" },
        el("td", {}, String(s.seq)), el("td", {}, s.site), el("td", {}, s.task), el("td", {}, hhmm(s.start)), el("td", {}, hhmm(s.end))))));
    const head = check.feasible
      ? el("p", {}, el("strong", {}, t("Umplanung möglich")), ` – ${check.crew}: ${t("Ende")} ${hhmm(check.end)}`)
      : el("p", {}, el("strong", {}, t("Umplanung nicht möglich")), ` – ${check.crew}`);
    const violations = el("ul", { class: "violations" }, check.violations.map((v) => el("li", { class: "reason" }, v)));
    const overtime = (check.warnings || []).length > 0;
    const warnings = el("ul", { class: "warnings" }, (check.warnings || []).map((w) => el("li", { class: "warning" }, w)));
    const buttons = el("div", { class: "actions" },
      check.feasible ? el("button", { class: "btn", id: "btn-apply", onclick: apply }, t(overtime ? "Mit Überstunden übernehmen" : "Übernehmen")) : null,
      el("button", { class: "btn secondary", onclick: () => { replace(result, ""); result.className = "check-result"; pending = null; } }, t("Verwerfen")));
    pending = check.feasible ? { ...move, confirm_overtime: overtime } : null;
    result.className = "check-result " + (check.feasible ? (overtime ? "accepted overtime" : "accepted") : "refused");
    replace(result, head, violations, warnings, retimed, buttons);
  }

  async function apply() {
    if (!pending) return;
    try { await postJSON(urls.move, pending); window.location.reload(); }
    catch (e) { replace(result, el("p", { class: "reason" }, `${t("Fehler")}: ${e.message}`)); }
  }

  const planWeek = document.getElementById("btn-plan-week");
  planWeek.addEventListener("click", async () => {
    const status = document.getElementById("job-status");
    const bar = document.querySelector("#job-progress > div");
    planWeek.disabled = true;
    try {
      const started = await postJSON(urls.plan, { day: planWeek.dataset.week, days: 5 });
      const job = await pollJob(started.job_url, (j) => {
        bar.style.width = `${j.progress || 0}%`;
        status.textContent = `${t("Woche planen")}: ${j.message || j.status_label || j.status} (${j.progress || 0} %)`;
      });
      if (job.status === "failed") status.textContent = `${t("Fehler")}: ${job.message}`;
      else window.location.reload();
    } catch (e) {
      status.textContent = `${t("Fehler")}: ${e.message}`;
    } finally {
      planWeek.disabled = false;
    }
  });

  async function check(taskId, cell) {
    const move = { task_id: Number(taskId), crew_day_id: Number(cell.dataset.crewDayId) };
    try { showCheck(await postJSON(urls.check, move), move); }
    catch (e) { result.className = "check-result refused"; replace(result, el("p", { class: "reason" }, `${t("Fehler")}: ${e.message}`)); }
  }

  // Keyboard (and click) alternative to dragging: select a task, then choose the target cell.
  let selected = null;
  document.querySelectorAll(".task-chip[draggable=true]").forEach((chip) => {
    chip.addEventListener("dragstart", (ev) => { ev.dataTransfer.setData("text/plain", chip.dataset.taskId); });
    chip.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter" && ev.key !== " ") return;
      ev.preventDefault(); ev.stopPropagation();
      if (selected) selected.setAttribute("aria-pressed", "false");
      selected = selected === chip ? null : chip;
      if (selected) selected.setAttribute("aria-pressed", "true");
    });
  });
  document.querySelectorAll("td.cell[data-crew-day-id]").forEach((cell) => {
    cell.addEventListener("keydown", (ev) => {
      if (ev.target !== cell || !selected || (ev.key !== "Enter" && ev.key !== " ")) return;
      ev.preventDefault();
      if (cell.dataset.locked !== "1") check(selected.dataset.taskId, cell);
    });
  });
  document.querySelectorAll("td.cell[data-crew-day-id]").forEach((cell) => {
    cell.addEventListener("dragover", (ev) => { if (cell.dataset.locked !== "1") { ev.preventDefault(); cell.classList.add("dragover"); } });
    cell.addEventListener("dragleave", () => cell.classList.remove("dragover"));
    cell.addEventListener("drop", (ev) => {
      ev.preventDefault(); cell.classList.remove("dragover");
      check(ev.dataTransfer.getData("text/plain"), cell);
    });
  });
})();
