/*
 * Texts of the crew view: German first, English second (chosen by the device language).
 * Static texts carry data-i18n="key" in index.html; crew.js asks for the rest with t(key, vars).
 * Reasons are sent in German whatever the device language (the planner reads them).
 */
(function () {
  "use strict";

  const TEXTS = {
    de: {
      title: "Meine Tour",
      loading: "wird geladen …",
      "setup.title": "Gerät nicht eingerichtet",
      "setup.text": "Bitte den QR-Code scannen, den die Disposition für diese Kolonne erstellt hat. Danach funktioniert die Tour auch ohne Netz.",
      "blocked.title": "Gerät gesperrt",
      "blocked.text": "Der Zugang dieses Geräts wurde widerrufen. Bitte bei der Disposition melden. Nicht übertragene Meldungen bleiben auf dem Gerät gespeichert.",
      "map.title": "Karte (Flächen und Wege, ohne Hintergrundkarte)",
      "map.note": "© OpenStreetMap-Mitwirkende, ODbL. Navigation über die Karten-App des Geräts.",
      privacy: "Datenschutz: Es wird kein Standort aufgezeichnet. Meldungen gelten für die Kolonne und den Tag, nicht für einzelne Personen.",
      reopen: "Meldung ergänzen",
      "nav.start": "Navigation starten",
      "status.started": "Begonnen",
      "status.done": "Erledigt",
      "status.partly": "Teilweise",
      "status.not_possible": "Nicht möglich",
      "grass.title": "Graslänge vorher",
      "grass.short": "kurz",
      "grass.medium": "mittel",
      "grass.long": "lang",
      "reason.title": "Grund (bei „Teilweise“ / „Nicht möglich“)",
      "reason.choose": "– bitte wählen –",
      "reason.access": "Fläche nicht zugänglich",
      "reason.wet": "Boden zu nass",
      "reason.machine": "Maschine defekt",
      "reason.event": "Veranstaltung / Nutzung",
      "reason.weather": "Wetter",
      "reason.time": "Zeit reicht nicht",
      "reason.other": "Sonstiges (siehe Notiz)",
      note: "Notiz",
      photo: "Foto (optional)",
      "photo.hint": "Bitte keine Personen und keine Kfz-Kennzeichen fotografieren – nur die Fläche oder den Schaden.",
      "sync.blocked": "Gerät gesperrt",
      "sync.offline": "Offline",
      "sync.waiting1": "1 Meldung wartet",
      "sync.waitingN": "{n} Meldungen warten",
      "sync.sending": "Wird übertragen …",
      "sync.refused": "{n} abgelehnt",
      "sync.ok": "Alles übertragen ✓",
      "notice.refused": "Vom Server abgelehnte Meldungen (bitte der Disposition sagen): ",
      "notice.stop": "Halt",
      "notice.discard": "Abgelehnte Meldungen vom Gerät entfernen",
      "notice.confirm": "Abgelehnte Meldungen wirklich entfernen?",
      "subtitle.notSetUp": "nicht eingerichtet",
      "subtitle.noTour": "Heute keine Tour geplant",
      "subtitle.offlineEmpty": "Offline – noch keine Tour gespeichert",
      "subtitle.stale": "Achtung, nicht von heute: ",
      "subtitle.stops": "{n} Arbeitshalte · Planstand {v}",
      "changes.title": "Geändert mit Planstand {v}",
      "changes.added": "Neu: {s} ({t}) {a} Uhr",
      "changes.removed": "Entfällt: {s} ({t})",
      "changes.removedTo": "Entfällt: {s} ({t}) → {to}",
      "changes.moved": "Andere Reihenfolge: {s} jetzt Halt {n}",
      "changes.retimed": "Neue Zeit: {s} {a} statt {b} Uhr",
      "changes.moreRetimed": "… und {n} weitere Halte mit neuer Zeit (siehe unten)",
      "state.waiting": "wartet",
      "state.refused": "abgelehnt",
      eta: "ca. {t} Uhr",
      span: "{a}–{b} Uhr",
      at: "{a} Uhr",
      "error.reason": "Bitte einen Grund wählen.",
      "error.photoSize": "Foto zu groß (höchstens {mb} MB).",
      "error.photoType": "Nur Fotos im Format JPEG, PNG oder WebP.",
      "error.photo": "Foto: ",
    },
    en: {
      title: "My tour",
      loading: "loading …",
      "setup.title": "Device not set up",
      "setup.text": "Please scan the QR code the dispatcher made for this crew. After that the tour also works without network.",
      "blocked.title": "Device blocked",
      "blocked.text": "This device's access was revoked. Please contact the dispatcher. Reports not yet sent stay on the device.",
      "map.title": "Map (sites and roads, no background map)",
      "map.note": "© OpenStreetMap contributors, ODbL. Navigation through the device's map app.",
      privacy: "Privacy: no location is recorded. Reports belong to the crew and the day, not to individual persons.",
      reopen: "Add a report",
      "nav.start": "Start navigation",
      "status.started": "Started",
      "status.done": "Done",
      "status.partly": "Partly",
      "status.not_possible": "Not possible",
      "grass.title": "Grass length before",
      "grass.short": "short",
      "grass.medium": "medium",
      "grass.long": "long",
      "reason.title": "Reason (for “Partly” / “Not possible”)",
      "reason.choose": "– please choose –",
      "reason.access": "Site not accessible",
      "reason.wet": "Ground too wet",
      "reason.machine": "Machine broken",
      "reason.event": "Event / site in use",
      "reason.weather": "Weather",
      "reason.time": "Not enough time",
      "reason.other": "Other (see note)",
      note: "Note",
      photo: "Photo (optional)",
      "photo.hint": "Please do not photograph people or number plates – only the site or the damage.",
      "sync.blocked": "Device blocked",
      "sync.offline": "Offline",
      "sync.waiting1": "1 report waiting",
      "sync.waitingN": "{n} reports waiting",
      "sync.sending": "Sending …",
      "sync.refused": "{n} refused",
      "sync.ok": "All sent ✓",
      "notice.refused": "Reports refused by the server (please tell the dispatcher): ",
      "notice.stop": "Stop",
      "notice.discard": "Remove refused reports from the device",
      "notice.confirm": "Really remove the refused reports?",
      "subtitle.notSetUp": "not set up",
      "subtitle.noTour": "No tour planned today",
      "subtitle.offlineEmpty": "Offline – no tour stored yet",
      "subtitle.stale": "Caution, not today's: ",
      "subtitle.stops": "{n} work stops · plan version {v}",
      "changes.title": "Changed with plan version {v}",
      "changes.added": "New: {s} ({t}) {a}",
      "changes.removed": "Dropped: {s} ({t})",
      "changes.removedTo": "Dropped: {s} ({t}) → {to}",
      "changes.moved": "New order: {s} now stop {n}",
      "changes.retimed": "New time: {s} {a} instead of {b}",
      "changes.moreRetimed": "… and {n} more stops with a new time (see below)",
      "state.waiting": "waiting",
      "state.refused": "refused",
      eta: "approx. {t}",
      span: "{a}–{b}",
      at: "{a}",
      "error.reason": "Please choose a reason.",
      "error.photoSize": "Photo too large (at most {mb} MB).",
      "error.photoType": "Only JPEG, PNG or WebP photos.",
      "error.photo": "Photo: ",
    },
  };

  const lang = (navigator.language || "de").toLowerCase().startsWith("en") ? "en" : "de";

  function t(key, vars) {
    let text = TEXTS[lang][key] || TEXTS.de[key] || key;
    Object.entries(vars || {}).forEach(([name, value]) => {
      text = text.replace(`{${name}}`, String(value));
    });
    return text;
  }

  function translate(root) {
    if (lang === "de") return;
    root.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
  }

  document.documentElement.lang = lang;
  translate(document);
  const template = document.getElementById("stop-template");
  if (template) translate(template.content);

  window.greentourI18n = { t, lang, locale: lang === "en" ? "en-GB" : "de-DE" };
})();
