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
    const cell = el("td", {});
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

  function progress(job) {
    const value = job.finished ? 1 : job.progress || 0;
    return el("td", {},
      el("progress", { max: "1", value: String(value), "aria-label": `Progress of ${job.name}` }),
      el("span", { text: ` ${Math.round(value * 100)} %` }),
      job.message ? el("div", { class: "facts", text: job.message }) : "");
  }

  function show(jobs) {
    rows.replaceChildren(...jobs.map((job) => el("tr", { "data-handle": job.handle, "data-state": job.state },
      el("th", { scope: "row", text: job.name }),
      el("td", { class: "state", text: job.fatal ? `${job.state} (failed)` : job.state }),
      progress(job),
      el("td", { class: "counts", text: `${job.success} / ${job.errors} / ${job.warnings} of ${job.total}` }),
      el("td", { text: (job.submitted || "").replace("T", " ") }),
      actions(job),
    )));
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
