/* Shared helpers of the planner pages.
 * Untrusted text (OSM names and tags, notes) is only ever inserted with textContent / text nodes:
 * never innerHTML. */
"use strict";

const GT = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const T = JSON.parse(document.getElementById("gt-i18n").textContent);
  const t = (key) => (key in T ? T[key] : key);

  /** Build an element; children are nodes or strings (strings become text nodes). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function getJSON(url) {
    const r = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  async function postJSON(url, data) {
    const r = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(data || {}),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }

  /** Poll a job until it is done or failed; onProgress(job) is called on every poll. */
  async function pollJob(url, onProgress) {
    for (;;) {
      const job = await getJSON(url);
      onProgress(job);
      if (job.status === "done" || job.status === "failed") return job;
      await new Promise((res) => setTimeout(res, 700));
    }
  }

  function replace(node, ...children) {
    node.replaceChildren(...children.flat().map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  }

  function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }
  function minutes(s) { return Math.round((s || 0) / 60); }
  function hours(s) { return ((s || 0) / 3600).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }); }

  /** A number with one decimal in the page's language: 1,3 (de) / 1.3 (en). */
  function number(x, digits = 1) {
    return Number(x || 0).toLocaleString(document.documentElement.lang, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  return { el, getJSON, postJSON, pollJob, replace, t, hhmm, minutes, hours, number };
})();
