/* Week board (Plantafel): drag a task (from a tour or from the unassigned column) to a crew-day;
 * the server checks and re-times it and the result appears next to the target cell before
 * anything is saved. Keyboard: the grid is one Tab stop; arrow keys move between cells, Space
 * picks the focused task up, arrow keys choose the target, Space or Enter drops, Esc cancels.
 * Text from the server is inserted as text only. */
"use strict";

(() => {
  const { postJSON, pollJob, t } = GT;
  const urls = JSON.parse(document.getElementById("gt-urls").textContent);
  const grid = document.getElementById("board-grid");
  const result = document.getElementById("check-result");
  const announce = document.getElementById("kbd-status");
  result.dataset.baseClass = "check-result pop";
  let carried = null;   // the chip picked up with the keyboard

  function cellAt(row, col) { return grid.querySelector(`td.cell[data-row="${row}"][data-col="${col}"]`); }
  function cells() { return [...grid.querySelectorAll("td.cell[data-crew-day-id]")]; }

  /** Roving tab stop: only the active cell and what is inside it are reachable by Tab. */
  function activate(cell, focus = true) {
    cells().forEach((c) => {
      const on = c === cell;
      c.tabIndex = on ? 0 : -1;
      c.querySelectorAll(".task-chip, button, a").forEach((n) => { n.tabIndex = on ? 0 : -1; });
    });
    if (focus) cell.focus();
  }

  function moveFocus(cell, key) {
    let row = Number(cell.dataset.row), col = Number(cell.dataset.col);
    const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[key];
    for (let i = 0; i < 40; i++) {
      row += step[0]; col += step[1];
      if (row < 0 || col < 0 || row > 99 || col > 9) return;
      const next = cellAt(row, col);
      if (next) { activate(next); return; }
    }
  }

  function placeResult(cell) {
    const cols = grid.querySelectorAll("thead th").length - 1;
    result.classList.toggle("right", Number(cell.dataset.col) >= cols - 2);
    cell.append(result);           // in the DOM after the cell's content: next in Tab order
    result.tabIndex = 0;
    result.querySelectorAll("button").forEach((b) => { b.tabIndex = 0; });
    result.scrollIntoView({ block: "nearest" });
    result.focus();
  }

  async function check(taskId, cell) {
    const move = { task_id: Number(taskId), crew_day_id: Number(cell.dataset.crewDayId) };
    activate(cell, false);
    try {
      GT.live.renderCheck(result, await postJSON(urls.check, move), move, () => window.location.reload());
    } catch (e) {
      GT.live.renderRefusal(result, e.message);
    }
    placeResult(cell);
  }

  /** "In Plan übernehmen" of a reported stop: the check on its crew's next working day, shown
   * next to that day's cell like a dropped chip. */
  async function carryOver(taskId, crewDayId) {
    const move = { task_id: Number(taskId) };
    let cell = null;
    try {
      const check = await postJSON(urls.carry, { task_id: Number(taskId), crew_day_id: Number(crewDayId) });
      cell = grid.querySelector(`td.cell[data-crew-day-id="${check.crew_day_id}"]`);
      GT.live.renderCheck(result, check, move, () => window.location.reload());
    } catch (e) {
      GT.live.renderRefusal(result, e.message);
    }
    cell = cell || grid.querySelector(`td.cell[data-crew-day-id="${crewDayId}"]`);
    if (cell) { activate(cell, false); placeResult(cell); }
  }
  GT.boardCarryOver = carryOver;

  function drop(cell) {
    if (!carried) return;
    const chip = carried;
    release();
    if (cell.dataset.locked === "1") { announce.textContent = t("Diese Kolonne ist gesperrt."); return; }
    check(chip.dataset.taskId, cell);
  }

  function release() {
    if (carried) carried.setAttribute("aria-pressed", "false");
    carried = null;
    document.body.classList.remove("carrying");
  }

  function pickUp(chip) {
    if (carried === chip) { release(); announce.textContent = t("Abgelegt abgebrochen."); return; }
    release();
    carried = chip;
    chip.setAttribute("aria-pressed", "true");
    document.body.classList.add("carrying");
    announce.textContent = `${t("Aufgenommen")}: ${chip.textContent.trim()}. ${t("Pfeiltasten wählen das Ziel, Leertaste legt ab, Esc bricht ab.")}`;
    const cell = chip.closest("td.cell") || cells()[0];
    if (cell) activate(cell);
  }

  // chips: drag (mouse) and Space/Enter (keyboard) to pick up
  document.querySelectorAll(".task-chip[draggable=true]").forEach((chip) => {
    chip.addEventListener("dragstart", (ev) => { ev.dataTransfer.setData("text/plain", chip.dataset.taskId); });
    chip.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter" && ev.key !== " ") return;
      ev.preventDefault(); ev.stopPropagation();
      const cell = chip.closest("td.cell");
      if (carried && carried !== chip && cell) drop(cell);
      else pickUp(chip);
    });
  });
  // the unassigned column is one Tab stop too: arrow keys up and down within it
  const loose = [...document.querySelectorAll("#unassigned-chips .task-chip")];
  loose.forEach((chip, i) => {
    chip.tabIndex = i === 0 ? 0 : -1;
    chip.addEventListener("keydown", (ev) => {
      if (ev.key !== "ArrowDown" && ev.key !== "ArrowUp") return;
      ev.preventDefault();
      const next = loose[i + (ev.key === "ArrowDown" ? 1 : -1)];
      if (next) { loose.forEach((c) => { c.tabIndex = -1; }); next.tabIndex = 0; next.focus(); }
    });
  });

  // cells: arrow keys, drop with Space/Enter, Esc; drag and drop with the mouse
  cells().forEach((cell) => {
    cell.addEventListener("focus", () => { if (cell.tabIndex !== 0) activate(cell, false); });
    cell.addEventListener("keydown", (ev) => {
      if (ev.key.startsWith("Arrow") && (ev.target === cell || carried)) {
        ev.preventDefault(); moveFocus(cell, ev.key); return;
      }
      if (ev.key === "Escape" && carried) {
        ev.preventDefault(); const chip = carried; release(); chip.focus();
        announce.textContent = t("Abgebrochen."); return;
      }
      if ((ev.key === "Enter" || ev.key === " ") && carried && (ev.target === cell || ev.target.classList.contains("task-chip"))) {
        ev.preventDefault(); ev.stopPropagation(); drop(cell);
      }
    });
    cell.addEventListener("dragover", (ev) => { if (cell.dataset.locked !== "1") { ev.preventDefault(); cell.classList.add("dragover"); } });
    cell.addEventListener("dragleave", () => cell.classList.remove("dragover"));
    cell.addEventListener("drop", (ev) => {
      ev.preventDefault(); cell.classList.remove("dragover");
      check(ev.dataTransfer.getData("text/plain"), cell);
    });
  });
  const first = cells()[0];
  if (first) activate(first, false);

  // time axis per crew-day
  const axis = document.getElementById("btn-axis");
  axis.addEventListener("click", () => {
    const on = axis.getAttribute("aria-pressed") !== "true";
    axis.setAttribute("aria-pressed", String(on));
    document.getElementById("board-page").classList.toggle("axis-view", on);
  });

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
      if (job.status === "failed") status.textContent = `${t("Planung fehlgeschlagen")}: ${job.message}`;
      else window.location.reload();
    } catch (e) {
      status.textContent = `${t("Planung fehlgeschlagen")}: ${e.message}`;
    } finally {
      planWeek.disabled = false;
    }
  });
})();
