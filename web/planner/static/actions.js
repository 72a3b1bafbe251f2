/* Small page actions without inline handlers (the Content-Security-Policy forbids them):
 * <button data-gt-print> prints the page; <input type="checkbox" data-gt-check-all="NAME">
 * (un)checks every checkbox named NAME. */
"use strict";
document.addEventListener("click", (event) => {
  const target = event.target;
  if (!(target instanceof Element)) return;
  if (target.closest("[data-gt-print]")) {
    window.print();
    return;
  }
  const all = target.closest("[data-gt-check-all]");
  if (all) {
    const name = all.getAttribute("data-gt-check-all");
    document.querySelectorAll(`input[type=checkbox][name="${CSS.escape(name)}"]`)
      .forEach((box) => { box.checked = all.checked; });
  }
});
