// Presets: list, view, validate while typing, save, delete, import a Scene7 macro file.
"use strict";

(async () => {
  const { api, el, debounce, whoami } = isr;
  const $ = (id) => document.getElementById(id);
  const rows = $("preset-rows"), form = $("preset-form"), name = $("preset-name");
  const body = $("preset-modifiers"), validation = $("validation"), tree = $("preset-tree");
  const saveStatus = $("save-status");
  const me = await whoami();
  const mayEdit = me.may.setPreset;
  for (const button of document.querySelectorAll(".can-edit")) {
    button.disabled = !mayEdit;
    if (!mayEdit) button.title = `role ${me.role} may not change presets`;
  }

  function show(presets) {
    rows.replaceChildren(...presets.map((p) => el("tr", {},
      el("th", { scope: "row" }, el("code", { text: `$${p.name}$` })),
      el("td", {}, el("code", { text: p.modifiers })),
      el("td", {}, el("button", {
        type: "button", class: "secondary", text: "Edit", "aria-label": `Edit $${p.name}$`,
        onclick: () => edit(p),
      })),
    )));
  }

  function edit(p) {
    name.value = p.name;
    body.value = p.modifiers;
    saveStatus.textContent = "";
    validate();
    body.focus();
  }

  let valid = false, controller = null;
  async function validate() {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const report = await api("/web/api/presets/validate", {
        method: "POST", body: { name: name.value, modifiers: body.value }, signal: controller.signal,
      });
      valid = report.ok;
      validation.replaceChildren();
      if (report.ok) {
        validation.className = "validation ok";
        validation.append(el("p", { text: `Valid. Resolves to: ${report.resolved}` }));
        tree.textContent = report.tree;
      } else {
        validation.className = "validation error";
        const box = el("div", {}, el("p", { class: "parse-message" }), el("pre", { class: "parse-where" }));
        validation.append(box);
        isr.showParseError(box, body.value.trim().replace(/^[?&]+/, ""), report.error);
        tree.textContent = "";
      }
      $("save").disabled = !mayEdit || !valid;
    } catch (error) {
      if (error.name !== "AbortError") validation.textContent = error.message;
    }
  }

  async function refresh() { show((await api("/web/api/presets")).presets); }

  name.addEventListener("input", debounce(validate, 250));
  body.addEventListener("input", debounce(validate, 250));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      show((await api("/web/api/presets/save", { method: "POST", body: { name: name.value, modifiers: body.value } })).presets);
      saveStatus.className = "ok";
      saveStatus.textContent = `Saved $${name.value.replace(/^\$|\$$/g, "")}$.`;
    } catch (error) {
      saveStatus.className = "error";
      saveStatus.textContent = error.message;
    }
  });
  $("delete").addEventListener("click", async () => {
    if (!name.value || !confirm(`Delete preset $${name.value}$?`)) return;
    try {
      show((await api("/web/api/presets/delete", { method: "POST", body: { name: name.value } })).presets);
      saveStatus.className = "ok";
      saveStatus.textContent = `Deleted $${name.value}$.`;
    } catch (error) {
      saveStatus.className = "error";
      saveStatus.textContent = error.message;
    }
  });
  $("try").addEventListener("click", () => {
    location.href = "/?modifiers=" + encodeURIComponent(`$${name.value.replace(/^\$|\$$/g, "")}$`);
  });
  $("import-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("macro-file").files[0];
    const status = $("import-status");
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let binary = "";
      for (const byte of bytes) binary += String.fromCharCode(byte);
      const result = await api("/web/api/presets/import", { method: "POST", body: { name: file.name, data: btoa(binary) } });
      show(result.presets);
      status.className = "ok";
      status.textContent = `Imported ${result.imported} preset(s) from ${file.name}.`;
    } catch (error) {
      status.className = "error";
      status.textContent = error.message;
    }
  });
  await refresh();
})();
