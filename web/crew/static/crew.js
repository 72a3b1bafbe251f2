/*
 * greentour crew view: today's tour offline, reports queued in IndexedDB and sent exactly once.
 *
 * - The device token arrives once as URL fragment (#token=...) from the planner's QR code and is
 *   kept in IndexedDB; it is sent as "Authorization: Bearer" to the REST API v1.
 * - The last tour is kept in IndexedDB (and the service worker caches the API response), so the
 *   tour shows without network after the first load.
 * - Every report gets a client-generated UUID before it is queued; the server stores a report once
 *   per UUID, so re-sending after a lost answer never duplicates it.
 * - The queue is sent on load, on "online", when the page becomes visible again (resume), on focus
 *   and every 30 s. A report the server refuses (4xx, e.g. 422 with the reason) is kept aside,
 *   shown at its stop as "abgelehnt: <reason>" and never resent; the rest of the queue goes on.
 *   A 5xx, 408 or 429 keeps the report for the next round (later reports of the same stop wait
 *   behind it, other stops go on); a network error ends the round.
 * - No location is read: navigation is handed to the device's map app through geo: links.
 * - Inspection stops (playground, tree, clearance: docs/duty.md) show the checklist of the
 *   inspection types (fetched once, kept in IndexedDB for offline use); a completed checklist
 *   goes into the same queue with its own UUID and is sent once to /inspections.
 */
(function () {
  "use strict";

  const body = document.body;
  const API = body.dataset.api;
  const DB_NAME = "greentour-crew";
  const { t, locale } = window.greentourI18n;
  // English device: task and stop names, and the site rules, from the tour's *_en fields
  const EN = window.greentourI18n.lang === "en";
  const statusLabel = (status) => t(`status.${status}`);
  const waitingText = (n) => (n === 1 ? t("sync.waiting1") : t("sync.waitingN", { n }));

  let tour = null;
  let syncing = false;
  let map = null;
  let mapLayer = null;
  let lastNetworkOk = navigator.onLine;
  let blocked = false;
  let inspectionTypes = [];
  const inspectedStops = new Set();

  // ---------------------------------------------------------------- IndexedDB
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        db.createObjectStore("kv");
        db.createObjectStore("queue", { keyPath: "client_uuid" });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  const dbPromise = openDb();

  async function tx(store, mode, fn) {
    const db = await dbPromise;
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const s = t.objectStore(store);
      let result;
      const r = fn(s);
      if (r) r.onsuccess = () => { result = r.result; };
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }
  const kvGet = (key) => tx("kv", "readonly", (s) => s.get(key));
  const kvSet = (key, value) => tx("kv", "readwrite", (s) => s.put(value, key));
  const queueAll = async () => {
    const items = (await tx("queue", "readonly", (s) => s.getAll())) || [];
    return items.sort((a, b) => a.seq - b.seq);
  };
  const queuePut = (item) => tx("queue", "readwrite", (s) => s.put(item));
  const queueDelete = (uuid) => tx("queue", "readwrite", (s) => s.delete(uuid));

  // ---------------------------------------------------------------- helpers
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function fmtTime(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const options = { hour: "2-digit", minute: "2-digit" };
    if (tour && tour.timezone) options.timeZone = tour.timezone; // the town's time, not the device's
    return d.toLocaleTimeString(locale, options);
  }

  function fmtDate(iso) {
    const d = new Date(iso + "T12:00:00");
    return d.toLocaleDateString(locale, { weekday: "long", day: "numeric", month: "long" });
  }

  function show(id, visible) {
    document.getElementById(id).classList.toggle("hidden", !visible);
  }

  async function token() {
    return kvGet("token");
  }

  // ---------------------------------------------------------------- sync state
  async function updateSyncBadge(message) {
    const el = document.getElementById("sync");
    const items = await queueAll();
    const waiting = items.filter((i) => !i.rejected).length;
    const rejected = items.filter((i) => i.rejected);
    el.dataset.pending = String(waiting);
    el.dataset.rejected = String(rejected.length);
    let state;
    let text;
    if (blocked) {
      state = "error";
      text = t("sync.blocked");
    } else if (!navigator.onLine || !lastNetworkOk) {
      state = "offline";
      text = waiting ? `${t("sync.offline")} · ${waitingText(waiting)}` : t("sync.offline");
    } else if (syncing) {
      state = "pending";
      text = t("sync.sending");
    } else if (waiting) {
      state = "pending";
      text = waitingText(waiting);
    } else if (rejected.length) {
      state = "error";
      text = t("sync.refused", { n: rejected.length });
    } else {
      state = "ok";
      text = t("sync.ok");
    }
    el.dataset.state = state;
    el.textContent = message || text;
    const notice = document.getElementById("notice");
    if (rejected.length) {
      notice.textContent = t("notice.refused") +
        rejected.map((i) => `${t("notice.stop")} ${i.seq_label || "?"}: ${i.rejected}`).join("; ");
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn secondary";
      discard.textContent = t("notice.discard");
      discard.addEventListener("click", async () => {
        if (!window.confirm(t("notice.confirm"))) return;
        for (const item of rejected) await queueDelete(item.client_uuid);
        await updateSyncBadge();
      });
      notice.appendChild(document.createElement("br"));
      notice.appendChild(discard);
      show("notice", true);
    } else {
      show("notice", false);
    }
  }

  // ---------------------------------------------------------------- tour
  async function loadTour() {
    const tok = await token();
    if (!tok) {
      show("setup", true);
      document.getElementById("subtitle").textContent = t("subtitle.notSetUp");
      await updateSyncBadge();
      return;
    }
    show("setup", false);
    const cached = await kvGet("tour");
    if (cached && !tour) {
      tour = cached;
      render();
    }
    const headers = { Authorization: `Bearer ${tok}` };
    const etag = await kvGet("tour_etag");
    if (etag && cached) headers["If-None-Match"] = etag;
    try {
      // ?date=JJJJ-MM-TT shows another day's tour (the demo and the planner's preview)
      const day = new URLSearchParams(location.search).get("date");
      const query = day && /^\d{4}-\d{2}-\d{2}$/.test(day) ? `?date=${day}` : "";
      const res = await fetch(`${API}/crew/tour${query}`, { headers, cache: "no-store" });
      lastNetworkOk = true;
      if (res.status === 401) {
        blocked = true;
        show("blocked", true);
      } else if (res.status === 304) {
        blocked = false;
      } else if (res.ok) {
        blocked = false;
        show("blocked", false);
        tour = await res.json();
        await kvSet("tour", tour);
        await kvSet("tour_etag", res.headers.get("ETag"));
        await loadInspectionTypes(tok);
        render();
      } else if (res.status === 404) {
        tour = null;
        await kvSet("tour", null);
        render();
        document.getElementById("subtitle").textContent = t("subtitle.noTour");
      }
    } catch (err) {
      lastNetworkOk = false;
    }
    if (!tour && !navigator.onLine) {
      document.getElementById("subtitle").textContent = t("subtitle.offlineEmpty");
    }
    await updateSyncBadge();
  }

  // ---------------------------------------------------------------- inspections (duty of care)
  async function loadInspectionTypes(tok) {
    try {
      const res = await fetch(`${API}/inspection-types`, {
        headers: { Authorization: `Bearer ${tok}` }, cache: "no-store",
      });
      if (res.ok) {
        inspectionTypes = (await res.json()).inspection_types || [];
        await kvSet("inspection_types", inspectionTypes);
      }
    } catch (err) {
      // offline: the types kept from the last time are used
    }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function option(select, value, label) {
    const o = el("option", { value }, label);
    select.appendChild(o);
    return o;
  }

  /** The checklist form at an inspection stop (built with DOM calls: no inline script). */
  async function renderInspection(li, stop) {
    const box = li.querySelector(".inspection");
    const codes = stop.tasks.map((x) => x.type);
    const types = inspectionTypes.filter((it) => codes.includes(it.task_type));
    box.replaceChildren();
    if (!types.length) { box.classList.add("hidden"); return; }
    box.classList.remove("hidden");
    box.appendChild(el("h3", {}, t("insp.title")));
    const typeLabel = el("label", {}, t("insp.type") + " ");
    const typeSel = el("select", { class: "insp-type" });
    types.forEach((it) => option(typeSel, it.code, EN ? it.name_en : it.name_de));
    typeLabel.appendChild(typeSel);
    const itemLabel = el("label", {}, t("insp.item") + " ");
    const item = el("input", { class: "insp-item", maxlength: "200" });
    itemLabel.appendChild(item);
    const whoLabel = el("label", {}, t("insp.inspector") + " ");
    const who = el("input", { class: "insp-inspector", maxlength: "200" });
    who.value = (await kvGet("inspector")) || "";
    whoLabel.appendChild(who);
    const list = el("div", { class: "insp-checklist" });
    const finding = el("fieldset", { class: "insp-finding" });
    finding.appendChild(el("legend", {}, t("insp.finding")));
    const sev = el("select", { class: "insp-severity" });
    option(sev, "", t("insp.none"));
    ["low", "medium", "high", "acute"].forEach((k) => option(sev, k, t(`insp.${k}`)));
    const measure = el("select", { class: "insp-measure" });
    ["repair", "close", "prune", "fell", "clear", "observe"].forEach(
      (k) => option(measure, k, t(`insp.m.${k}`)));
    const text = el("input", { class: "insp-text", maxlength: "1000", placeholder: t("insp.text") });
    const sevLabel = el("label", {}, t("insp.severity") + " ");
    sevLabel.appendChild(sev);
    const mLabel = el("label", {}, t("insp.measure") + " ");
    mLabel.appendChild(measure);
    const photoLabel = el("label", {}, t("photo") + " ");
    photoLabel.appendChild(el("input", {
      type: "file", class: "insp-photo", accept: "image/jpeg,image/png,image/webp",
      capture: "environment",
    }));
    finding.append(sevLabel, mLabel, text, photoLabel);
    const save = el("button", { type: "button", class: "btn big ok insp-save" }, t("insp.save"));
    const error = el("p", { class: "error small insp-error" });
    function drawChecklist() {
      const it = types.find((x) => x.code === typeSel.value);
      itemLabel.classList.toggle("hidden", !it.per_item);
      list.replaceChildren();
      it.checklist.forEach((c) => {
        const row = el("div", { class: "insp-row", "data-key": c.key });
        row.appendChild(el("span", { class: "insp-label" }, EN ? c.label_en : c.label_de));
        [["ok", "insp.ok"], ["defect", "insp.defect"], ["n/a", "insp.na"]].forEach(([r, k]) => {
          const b = el("button", { type: "button", class: "btn choice", "data-result": r }, t(k));
          b.addEventListener("click", () => {
            row.querySelectorAll("[data-result]").forEach((x) => x.classList.remove("selected"));
            b.classList.add("selected");
          });
          row.appendChild(b);
        });
        list.appendChild(row);
      });
    }
    typeSel.addEventListener("change", drawChecklist);
    drawChecklist();
    save.addEventListener("click", () => inspect(li, stop, types, error));
    box.append(typeLabel, itemLabel, whoLabel, list, finding, save, error);
  }

  async function inspect(li, stop, types, error) {
    const box = li.querySelector(".inspection");
    error.textContent = "";
    const it = types.find((x) => x.code === box.querySelector(".insp-type").value);
    const inspector = box.querySelector(".insp-inspector").value.trim();
    const checklist = [];
    box.querySelectorAll(".insp-row").forEach((row) => {
      const chosen = row.querySelector("[data-result].selected");
      if (chosen) checklist.push({ key: row.dataset.key, result: chosen.dataset.result });
    });
    if (!inspector || checklist.length !== it.checklist.length) {
      error.textContent = t("insp.missing");
      return;
    }
    const itemName = box.querySelector(".insp-item").value.trim();
    if (it.per_item && !itemName) { error.textContent = t("insp.itemMissing"); return; }
    const findings = [];
    let photo = null;
    const severity = box.querySelector(".insp-severity").value;
    if (severity) {
      const text = box.querySelector(".insp-text").value.trim();
      if (!text) { error.textContent = t("insp.textMissing"); return; }
      const finding = { severity, measure: box.querySelector(".insp-measure").value, text };
      const input = box.querySelector(".insp-photo");
      const file = input.files && input.files[0];
      const limits = tour.limits || {};
      if (file && limits.photo_max_bytes && file.size > limits.photo_max_bytes) {
        error.textContent = t("error.photoSize", { mb: (limits.photo_max_bytes / 1048576).toFixed(0) });
        return;
      }
      if (file) {
        // the record names the photo by its SHA-256; the server takes only that picture
        const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
        finding.photo_sha256 = Array.from(new Uint8Array(digest),
          (x) => x.toString(16).padStart(2, "0")).join("");
        photo = { blob: file, name: file.name, type: file.type };
      }
      findings.push(finding);
    }
    await kvSet("inspector", inspector);
    const now = new Date();
    const clientUuid = uuid4();
    await queuePut({
      client_uuid: clientUuid,
      kind: "inspection",
      seq: Date.now() + Math.random(),
      seq_label: String(stop.sequence),
      report: { stop_id: stop.id, status: "inspection" },
      body: {
        client_uuid: clientUuid,
        site_id: stop.site.id,
        inspection_type: it.code,
        inspected_on: now.toLocaleDateString("sv-SE", { timeZone: tour.timezone || undefined }),
        item: itemName,
        inspector_name: inspector,
        checklist,
        findings,
        task_id: stop.tasks.length ? stop.tasks[0].id : null,
        device_time: now.toISOString(),
      },
      photo,
      report_sent: false,
      photo_sent: false,
      rejected: null,
    });
    await renderInspection(li, stop);
    await renderStates();
    await updateSyncBadge();
    sync();
  }

  function stopStateText(stop, items) {
    const mine = items.filter((i) => i.report.stop_id === stop.id);
    const pending = mine.filter((i) => !i.rejected);
    if (pending.length) {
      const last = pending[pending.length - 1];
      return { text: `${statusLabel(last.report.status)} – ${t("state.waiting")}`, cls: "pending" };
    }
    const refused = mine.filter((i) => i.rejected);
    if (refused.length) {
      // Refused by the server (4xx): shown with the reason, never resent; the crew may report again.
      const last = refused[refused.length - 1];
      return {
        text: `${statusLabel(last.report.status)} – ${t("state.refused")}: ${last.rejected}`,
        cls: "refused",
      };
    }
    if (inspectedStops.has(stop.id) && !(stop.reports || []).length) {
      return { text: t("insp.saved"), cls: "inspected" };
    }
    const reports = stop.reports || [];
    if (reports.length) {
      const last = reports[reports.length - 1];
      const cls = last.status === "not_possible" ? "bad" : "done";
      return { text: `${statusLabel(last.status)} ✓`, cls };
    }
    return { text: "", cls: "" };
  }

  /** What the planner's last publication changed for this crew (text nodes only). */
  function renderChanges(plan) {
    const box = document.getElementById("changes");
    const c = plan && plan.changes;
    box.replaceChildren();
    if (!c || c.first_tour) { box.classList.add("hidden"); return; }
    const head = document.createElement("strong");
    head.textContent = t("changes.title", { v: plan.version });
    const list = document.createElement("ul");
    const add = (text) => { const li = document.createElement("li"); li.textContent = text; list.appendChild(li); };
    // names in the device's language where the server gives them (``site_en``, ``task_en``)
    const tr = (x, key) => (EN && x[`${key}_en`]) || x[key];
    c.added.forEach((x) => add(t("changes.added", { s: tr(x, "site"), t: tr(x, "task"), a: x.start })));
    c.removed.forEach((x) => add(x.to ? t("changes.removedTo", { s: tr(x, "site"), t: tr(x, "task"), to: tr(x, "to") })
      : t("changes.removed", { s: tr(x, "site"), t: tr(x, "task") })));
    c.moved.forEach((x) => add(t("changes.moved", { s: tr(x, "site"), n: x.to_seq })));
    c.retimed.slice(0, 3).forEach((x) => add(t("changes.retimed", { s: tr(x, "site"), a: x.new_start, b: x.old_start })));
    if (c.retimed.length > 3) add(t("changes.moreRetimed", { n: c.retimed.length - 3 }));
    box.append(head, list);
    box.classList.remove("hidden");
  }

  async function render() {
    const list = document.getElementById("stops");
    const saved = snapshotInputs();
    list.innerHTML = "";
    if (!tour) {
      drawMap();
      return;
    }
    document.getElementById("title").textContent = tour.crew.name;
    const today = tour.demo_today ||
      new Date().toLocaleDateString("sv-SE", { timeZone: tour.timezone || undefined });
    const stale = tour.date < today ? t("subtitle.stale") : "";
    const workStops = tour.stops.filter((s) => s.kind === "task").length;
    document.getElementById("subtitle").textContent =
      `${stale}${fmtDate(tour.date)} · ${t("subtitle.stops", { n: workStops, v: tour.plan.version })}`;
    renderChanges(tour.plan);
    const items = await queueAll();
    const tpl = document.getElementById("stop-template");
    tour.stops.forEach((stop) => {
      const li = tpl.content.firstElementChild.cloneNode(true);
      li.dataset.stopId = stop.id;
      li.querySelector(".seq").textContent = stop.sequence;
      li.querySelector(".site").textContent = stop.kind === "break" || !stop.site.name
        ? ((EN && stop.label_en) || stop.label) : ((EN && stop.site.name_en) || stop.site.name);
      const eta = stop.eta ? t("eta", { t: fmtTime(stop.eta) }) : "";
      const dur = stop.duration_s ? ` · ${Math.round(stop.duration_s / 60)} min` : "";
      li.querySelector(".eta").textContent = eta + dur;
      const tasks = li.querySelector(".tasks");
      stop.tasks.forEach((t) => {
        const item = document.createElement("li");
        item.textContent = (EN && t.label_en) || t.label;
        tasks.appendChild(item);
      });
      li.querySelector(".notes").textContent = (EN ? stop.notes_en : stop.notes) || stop.notes || "";
      const geo = li.querySelector(".nav-geo");
      const osm = li.querySelector(".nav-osm");
      if (stop.navigation) {
        geo.href = stop.navigation.geo_uri;
        osm.href = stop.navigation.osm_url;
      } else {
        geo.classList.add("hidden");
        osm.classList.add("hidden");
      }
      if (stop.kind !== "task") {
        // Breaks, reloads and the depot: shown in order, nothing to report.
        li.classList.add("other");
        li.querySelector(".report").classList.add("hidden");
        // a departure or return has one time ("06:30 Uhr"), a break or reload a span
        const one = stop.service_start && stop.service_start === stop.service_end;
        const span = one ? t("at", { a: fmtTime(stop.service_start) })
          : stop.service_start && stop.service_end
            ? t("span", { a: fmtTime(stop.service_start), b: fmtTime(stop.service_end) })
            : li.querySelector(".eta").textContent;
        li.querySelector(".eta").textContent = `${(EN && stop.label_en) || stop.label} · ${span}`;
        list.appendChild(li);
        return;
      }
      const state = stopStateText(stop, items);
      const stateEl = li.querySelector(".state");
      stateEl.textContent = state.text;
      stateEl.className = `state ${state.cls}`;
      li.classList.toggle("reported", Boolean(state.text));
      li.classList.toggle("closed", state.cls === "done" || state.cls === "bad");
      wireStop(li, stop);
      renderInspection(li, stop);
      restoreInputs(li, saved[String(stop.id)]);
      list.appendChild(li);
    });
    drawMap();
  }

  function wireStop(li, stop) {
    // A stop the server confirmed as done is folded; the crew can open it again.
    li.querySelector(".reopen").addEventListener("click", () => li.classList.remove("closed"));
    li.querySelectorAll("[data-grass]").forEach((btn) => {
      btn.addEventListener("click", () => {
        const wasSelected = btn.classList.contains("selected");
        li.querySelectorAll("[data-grass]").forEach((b) => b.classList.remove("selected"));
        if (!wasSelected) btn.classList.add("selected");
      });
    });
    li.querySelectorAll("[data-status]").forEach((btn) => {
      btn.addEventListener("click", () => {
        const selected = li.querySelector("[data-grass].selected");
        report(li, stop, btn.dataset.status, selected ? selected.dataset.grass : null);
      });
    });
  }

  // What the crew has typed or chosen but not yet sent survives a re-render of the list.
  function snapshotInputs() {
    const inputs = {};
    document.querySelectorAll("#stops li[data-stop-id]").forEach((li) => {
      const grass = li.querySelector("[data-grass].selected");
      inputs[li.dataset.stopId] = {
        reason: li.querySelector(".reason").value,
        note: li.querySelector(".note").value,
        grass: grass ? grass.dataset.grass : null,
      };
    });
    return inputs;
  }

  function restoreInputs(li, saved) {
    if (!saved) return;
    li.querySelector(".reason").value = saved.reason;
    li.querySelector(".note").value = saved.note;
    if (saved.grass) li.querySelector(`[data-grass=${saved.grass}]`).classList.add("selected");
  }

  async function renderStates() {
    if (!tour) return;
    const items = await queueAll();
    document.querySelectorAll("#stops li[data-stop-id]").forEach((li) => {
      const stop = tour.stops.find((s) => String(s.id) === li.dataset.stopId);
      if (!stop || stop.kind !== "task") return;
      const state = stopStateText(stop, items);
      const stateEl = li.querySelector(".state");
      stateEl.textContent = state.text;
      stateEl.className = `state ${state.cls}`;
      li.classList.toggle("reported", Boolean(state.text));
      if (state.cls !== "done" && state.cls !== "bad") li.classList.remove("closed");
    });
  }

  async function report(li, stop, status, grass) {
    const errorEl = li.querySelector(".error");
    errorEl.textContent = "";
    const reason = li.querySelector(".reason").value;
    const note = li.querySelector(".note").value.trim();
    if (status === "not_possible" && !reason) {
      errorEl.textContent = t("error.reason");
      return;
    }
    const fileInput = li.querySelector(".photo");
    const file = fileInput.files && fileInput.files[0];
    const limits = tour.limits || {};
    if (file && limits.photo_max_bytes && file.size > limits.photo_max_bytes) {
      const mb = (limits.photo_max_bytes / 1048576).toFixed(0);
      errorEl.textContent = t("error.photoSize", { mb });
      return;
    }
    if (file && limits.photo_types && !limits.photo_types.includes(file.type)) {
      errorEl.textContent = t("error.photoType");
      return;
    }
    const seq = Date.now() + Math.random();
    const item = {
      client_uuid: uuid4(),
      seq,
      seq_label: String(stop.sequence),
      report: {
        stop_id: stop.id,
        task_id: stop.tasks.length ? stop.tasks[0].id : null,
        plan_version: tour.plan.version,
        status,
        grass_length: grass,
        reason: reason || null,
        note: note || null,
        device_time: new Date().toISOString(),
      },
      photo: file ? { blob: file, name: file.name, type: file.type } : null,
      report_sent: false,
      photo_sent: false,
      rejected: null,
    };
    item.report.client_uuid = item.client_uuid;
    await queuePut(item);
    li.querySelector(".note").value = "";
    li.querySelector(".reason").value = "";
    li.querySelectorAll("[data-grass]").forEach((b) => b.classList.remove("selected"));
    fileInput.value = "";
    await renderStates();
    await updateSyncBadge();
    sync();
  }

  // ---------------------------------------------------------------- sending
  async function errorText(res) {
    try {
      const data = await res.json();
      if (data.detail && typeof data.detail === "object") {
        return `${data.message || res.status}: ${JSON.stringify(data.detail)}`;
      }
      return data.message || data.detail || `HTTP ${res.status}`;
    } catch (e) {
      return `HTTP ${res.status}`;
    }
  }

  // Answers that say "try again later": the server or a proxy is busy or broken (5xx), the
  // request timed out (408) or was throttled (429). Every other 4xx refuses this one report.
  const retryLater = (status) => status >= 500 || status === 408 || status === 429;

  async function sendOne(item, tok) {
    const headers = { Authorization: `Bearer ${tok}` };
    if (!item.report_sent) {
      const inspection = item.kind === "inspection";
      const res = await fetch(`${API}/${inspection ? "inspections" : "reports"}`, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify(inspection ? item.body : item.report),
      });
      if (res.status === 401) {
        blocked = true;
        show("blocked", true);
        return "stop";
      }
      if (retryLater(res.status)) return "retry";
      if (!res.ok) {
        item.rejected = await errorText(res);
        await queuePut(item);
        return "next";
      }
      item.report_sent = true;
      if (inspection) inspectedStops.add(item.report.stop_id);
      await queuePut(item);
    }
    if (item.photo && !item.photo_sent) {
      const form = new FormData();
      form.append("photo", item.photo.blob, item.photo.name || "foto.jpg");
      const kind = item.kind === "inspection" ? "inspections" : "reports";
      const res = await fetch(`${API}/${kind}/${item.client_uuid}/photo`, {
        method: "POST", headers, body: form,
      });
      if (res.status === 401) {
        blocked = true;
        return "stop";
      }
      if (retryLater(res.status)) return "retry";
      if (!res.ok) {
        // The report itself arrived; only the photo is refused: say so, do not retry forever.
        item.rejected = `${t("error.photo")}${await errorText(res)}`;
        item.photo = null;
        await queuePut(item);
        return "next";
      }
      item.photo_sent = true;
    }
    await queueDelete(item.client_uuid);
    return "next";
  }

  async function sync() {
    if (syncing) return;
    const tok = await token();
    if (!tok) return;
    syncing = true;
    let sent = 0;
    try {
      await updateSyncBadge();
      const items = (await queueAll()).filter((i) => !i.rejected);
      // A report the server could not take now (5xx) stays queued for the next round; the
      // reports of other stops go on, later reports of the same stop wait behind it (order).
      const heldStops = new Set();
      for (const item of items) {
        if (heldStops.has(item.report.stop_id)) continue;
        let outcome;
        try {
          outcome = await sendOne(item, tok);
          lastNetworkOk = true;
        } catch (err) {
          lastNetworkOk = false; // network error: keep the item, try again later
          break;
        }
        if (outcome === "stop") break;
        if (outcome === "retry") {
          heldStops.add(item.report.stop_id);
          continue;
        }
        sent += 1;
      }
    } finally {
      syncing = false;
    }
    if (sent) await loadTour();
    else await updateSyncBadge();
    await renderStates();
  }

  // ---------------------------------------------------------------- map (vectors only)
  function drawMap() {
    if (!window.L) return;
    if (!map) {
      map = L.map("map", { attributionControl: false, zoomSnap: 0.25 });
      map.setView([51.0, 10.0], 6);
    }
    if (mapLayer) mapLayer.remove();
    mapLayer = L.layerGroup().addTo(map);
    if (!tour) return;
    const bounds = [];
    tour.stops.forEach((stop) => {
      if (stop.leg_geometry) {
        const leg = L.geoJSON(stop.leg_geometry, { style: { color: "#555", weight: 4 } });
        leg.addTo(mapLayer);
        bounds.push(leg.getBounds());
      }
      if (stop.site.geometry) {
        const site = L.geoJSON(stop.site.geometry, {
          style: { color: "#2f6b2f", weight: 2, fillColor: "#7fbf6a", fillOpacity: 0.5 },
          pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 6, color: "#2f6b2f" }),
        });
        site.addTo(mapLayer);
        bounds.push(site.getBounds());
      }
      const ap = stop.access_point;
      if (ap) {
        L.circleMarker([ap.lat, ap.lon], { radius: 11, color: "#fff", weight: 2, fillColor: "#2f6b2f", fillOpacity: 1 })
          .bindTooltip(String(stop.sequence), { permanent: true, direction: "center", className: "seq-tip" })
          .addTo(mapLayer);
        bounds.push(L.latLngBounds([[ap.lat, ap.lon], [ap.lat, ap.lon]]));
      }
    });
    if (bounds.length) {
      const all = bounds.reduce((acc, b) => acc.extend(b), L.latLngBounds(bounds[0].getSouthWest(), bounds[0].getNorthEast()));
      if (all.isValid()) map.fitBounds(all, { padding: [20, 20], maxZoom: 17 });
    }
  }

  // ---------------------------------------------------------------- start
  // The token arrives as URL fragment from the QR code (also when only the fragment changes).
  async function takeToken() {
    const match = location.hash.match(/token=([^&]+)/);
    if (!match) return false;
    await kvSet("token", decodeURIComponent(match[1]));
    await kvSet("tour", null);
    await kvSet("tour_etag", null);
    tour = null;
    blocked = false;
    show("blocked", false);
    history.replaceState(null, "", location.pathname + location.search);
    return true;
  }

  // A day sheet's QR code opens "#stop=<sequence>": show that stop (the tablet keeps its token).
  function showStopFromHash() {
    const match = location.hash.match(/stop=(\d+)/);
    if (!match || !tour) return;
    const stop = (tour.stops || []).find((s) => String(s.sequence) === match[1]);
    const li = stop && document.querySelector(`#stops li[data-stop-id="${stop.id}"]`);
    if (!li) return;
    li.classList.remove("closed");
    li.classList.add("focus");
    li.scrollIntoView({ block: "start" });
  }

  async function start() {
    await takeToken();
    if (navigator.storage && navigator.storage.persist) {
      navigator.storage.persist().catch(() => {});
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(body.dataset.sw).catch(() => {
        // No service worker (plain HTTP outside localhost): the view works online only.
      });
    }
    inspectionTypes = (await kvGet("inspection_types")) || [];
    await loadTour();
    showStopFromHash();
    await sync();
  }

  window.addEventListener("hashchange", async () => {
    if (await takeToken()) { await loadTour(); await sync(); }
    showStopFromHash();
  });
  window.addEventListener("online", () => { lastNetworkOk = true; sync(); loadTour(); });
  window.addEventListener("offline", () => { lastNetworkOk = false; updateSyncBadge(); });
  window.addEventListener("focus", () => sync());
  window.addEventListener("pageshow", () => sync());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") { sync(); loadTour(); }
  });
  setInterval(() => sync(), 30000);

  window.greentourCrew = { sync, queueAll, loadTour };
  start();
})();
