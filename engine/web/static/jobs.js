// Jobs: active and recent export jobs with live progress (polling), their logs, control
// buttons for those who may, package downloads, and the ExportJob form.
"use strict";

(async () => {
  const { api, el, debounce, whoami } = isr;
  const $ = (id) => document.getElementById(id);
  const me = await whoami();
  const rows = $("job-rows"), status = $("jobs-status");
  let openJob = null, timer = null;

  for (const button of document.querySelectorAll(".can-submit")) {
    button.disabled = !me.may.submitJob;
    if (!me.may.submitJob) button.title = `role ${me.role} may not submit jobs`;
  }
  $("email-setting").append(...me.emailSettings.map((s) => el("option", { value: s, text: s, selected: s === "None" })));

  const packageUrl = (job) => `/web/api/job/package?handle=${encodeURIComponent(job.handle)}`;

  function actions(job) {
    const cell = el("td", { class: "actions" });
    const control = (action, label, states) => {
      if (!me.may[`${action}Job`] || !states.includes(job.state)) return;
      cell.append(el("button", {
        type: "button", class: "secondary", text: label, "aria-label": `${label} ${job.name}`,
        onclick: async () => {
          try { await api(`/web/api/jobs/${action}`, { method: "POST", body: { handle: job.handle } }); }
          catch (error) { status.textContent = error.message; }
          poll();
        },
      }));
    };
    control("pause", "Pause", ["New", "Running"]);
    control("resume", "Resume", ["Paused"]);
    control("stop", "Stop", ["New", "Running", "Paused"]);
    cell.append(el("button", { type: "button", class: "secondary", text: "Log", "aria-label": `Log of ${job.name}`, onclick: () => showLog(job.handle, true) }));
    if (job.package && job.finished) {
      cell.append(el("a", { href: packageUrl(job), download: "", class: "package", text: "Download package", "aria-label": `Download the package of ${job.name}` }));
    }
    return cell;
  }

  // Rows are updated in place, and a row's buttons only change with its state, so a poll
  // never takes the keyboard focus (or a click) away from a button.
  const known = new Map();
  function row(job) {
    let entry = known.get(job.handle);
    if (!entry) {
      const tr = el("tr", { "data-handle": job.handle },
        el("th", { scope: "row", text: job.name }),
        el("td", { class: "state" }),
        el("td", {},
          el("progress", { max: "1", "aria-label": `Progress of ${job.name}` }),
          el("span", { class: "percent" }),
          el("div", { class: "facts" })),
        el("td", { class: "counts" }),
        el("td", { text: (job.submitted || "").replace("T", " ") }),
        el("td", { class: "actions" }));
      entry = { tr, key: null };
      known.set(job.handle, entry);
    }
    const { tr } = entry;
    const value = job.finished ? 1 : job.progress || 0;
    tr.dataset.state = job.state;
    tr.querySelector(".state").textContent = job.fatal ? `${job.state} (failed)` : job.state;
    tr.querySelector("progress").value = value;
    tr.querySelector(".percent").textContent = ` ${Math.round(value * 100)} %`;
    tr.querySelector(".facts").textContent = job.message || "";
    tr.querySelector(".counts").textContent = `${job.success} / ${job.errors} / ${job.warnings} of ${job.total}`;
    const key = `${job.state}|${job.finished}|${job.package}`;
    if (key !== entry.key) {
      entry.key = key;
      tr.querySelector(".actions").replaceWith(actions(job));
    }
    return tr;
  }

  function show(jobs) {
    const trs = jobs.map(row);
    const current = [...rows.children];
    if (trs.length !== current.length || trs.some((tr, i) => tr !== current[i])) rows.replaceChildren(...trs);
    const active = jobs.filter((j) => !j.finished).length;
    status.textContent = `${active} active, ${jobs.length - active} finished.`;
    return active;
  }

  async function showLog(handle, focus) {
    openJob = handle;
    const job = await api(`/web/api/job?handle=${encodeURIComponent(handle)}`);
    $("job-log").hidden = false;
    $("log-heading").textContent = `Job log: ${job.name}`;
    $("log-summary").textContent = `${job.state}; ${job.success} done, ${job.errors} errors, ${job.warnings} warnings of ${job.total}; fmt=${job.spec.fmt || ""}` +
      `${job.spec.is_modifier ? ", is_modifier=" + job.spec.is_modifier : ""}${job.spec.macro ? ", macro=" + job.spec.macro : ""}; submitted by ${job.user}.`;
    $("log-rows").replaceChildren(...job.details.map((d) => el("tr", {},
      el("td", { text: d.date.replace("T", " ") }),
      el("td", { class: `sev-${d.severity}`, text: d.severity }),
      el("td", { text: d.type }),
      el("td", { text: d.asset || "" }),
      el("td", { text: d.message }),
    )));
    if (focus) $("log-heading").focus();
    return job;
  }

  async function poll() {
    clearTimeout(timer);
    let active = 0;
    try {
      active = show((await api("/web/api/jobs")).jobs);
      if (openJob) await showLog(openJob, false);
    } catch (error) {
      status.textContent = error.message;
    }
    timer = setTimeout(poll, active ? 1000 : 5000);
  }

  async function loadAssets() {
    const { assets } = await api(`/web/api/assets?q=${encodeURIComponent($("export-search").value)}`);
    const checked = new Set([...document.querySelectorAll("#export-assets input:checked")].map((i) => i.value));
    $("export-assets").replaceChildren(...assets.map((a, i) => el("label", {},
      el("input", { type: "checkbox", name: "handle", value: a.handle, checked: checked.has(a.handle) }),
      `${a.name} (${a.type}${a.width ? `, ${a.width} × ${a.height}` : ""})`)));
  }

  async function loadMacros() {
    const { presets } = await api("/web/api/presets");
    $("macro-list").replaceChildren(...presets.map((p) => el("option", { value: `$${p.name}$`, text: p.modifiers })));
  }

  $("export-search").addEventListener("input", debounce(loadAssets, 250));
  $("export-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = $("export-status");
    const handles = [...document.querySelectorAll("#export-assets input:checked")].map((i) => i.value);
    try {
      const job = await api("/web/api/jobs/submit", { method: "POST", body: {
        handles, fmt: $("fmt").value, is_modifier: $("is-modifier").value, macro: $("macro").value,
        email_setting: $("email-setting").value, name: $("job-name").value,
      } });
      out.className = "ok";
      out.textContent = `Submitted ${job.name}.`;
      openJob = job.handle;
      poll();
    } catch (error) {
      out.className = "error";
      out.textContent = error.message;
    }
  });

  await Promise.all([loadAssets(), loadMacros().catch(() => {})]);
  poll();
})();
