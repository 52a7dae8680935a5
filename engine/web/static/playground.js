// Playground: an asset, modifiers (or a whole /is/image URL), live rendition and its facts.
"use strict";

(() => {
  const { api, el, debounce, showParseError, bytes } = isr;
  const $ = (id) => document.getElementById(id);
  const search = $("asset-search"), list = $("asset-list"), chosenText = $("asset-chosen");
  const modifiers = $("modifiers"), modifiersB = $("modifiers-b"), preset = $("preset");
  const compare = $("compare"), results = $("results");
  let chosen = null;

  function makePanel(title, input) {
    const node = $("result-template").content.firstElementChild.cloneNode(true);
    node.querySelector(".result-title").textContent = title;
    node.querySelector(".copy-url").addEventListener("click", async () => {
      const url = node.querySelector(".url");
      url.select();
      try { await navigator.clipboard.writeText(url.value); } catch { document.execCommand("copy"); }
      node.querySelector(".status").textContent = "URL copied.";
    });
    return { node, input, controller: null, objectUrl: null };
  }
  const panels = [makePanel("Rendition", modifiers), makePanel("Compared with", modifiersB)];
  results.append(panels[0].node);

  const part = (panel, cls) => panel.node.querySelector(cls);

  // What the browser sends as the IS query: the text, with what a URL cannot hold escaped.
  function query(text) {
    return text.trim().replace(/^[?&]+/, "").replace(/[\r\n]+/g, "").replace(/#/g, "%23").replace(/ /g, "%20");
  }

  async function render(panel) {
    if (panel.controller) panel.controller.abort();
    const controller = (panel.controller = new AbortController());
    const signal = controller.signal;
    const text = panel.input.value.trim().replace(/^[?&]+/, "");
    const status = part(panel, ".status"), errorBox = part(panel, ".parse-error");
    const img = part(panel, ".rendition");
    status.textContent = "Rendering…";
    try {
      const report = await api("/web/api/parse", {
        method: "POST", body: { modifiers: text, asset: chosen ? chosen.handle : "" }, signal,
      });
      if (!report.ok) {
        showParseError(errorBox, text, report.error);
        status.textContent = "The modifiers do not parse.";
        part(panel, ".tree").textContent = "";
        return;
      }
      errorBox.hidden = true;
      part(panel, ".tree").textContent = report.tree;
      if (!chosen) {
        part(panel, ".resolved").textContent = report.resolved;
        status.textContent = "Choose an asset to see the rendition.";
        return;
      }
      const q = query(text);
      const url = `${chosen.path}${q ? "?" + q : ""}`;
      part(panel, ".url").value = location.origin + url;
      part(panel, ".resolved").textContent = report.resolved;
      const [image, props] = await Promise.all([
        fetch(url, { signal }),
        fetch(`${chosen.path}?${q ? q + "&" : ""}req=props`, { signal }).then((r) => r.text()),
      ]);
      part(panel, ".props").textContent = props.trim();
      if (!image.ok) {
        const message = (await image.text()).trim();
        status.textContent = `HTTP ${image.status}: ${message}`;
        img.hidden = true;
        part(panel, ".facts").textContent = "";
        return;
      }
      const blob = await image.blob();
      if (signal.aborted) return;
      if (panel.objectUrl) URL.revokeObjectURL(panel.objectUrl);
      panel.objectUrl = URL.createObjectURL(blob);
      img.hidden = false;
      img.src = panel.objectUrl;
      img.alt = `${chosen.name} rendered with ${text || "no modifiers"}`;
      try { await img.decode(); } catch { /* a format the browser cannot show (TIFF): facts still hold */ }
      const type = image.headers.get("Content-Type") || blob.type;
      const size = img.naturalWidth ? `${img.naturalWidth} × ${img.naturalHeight} px · ` : "";
      part(panel, ".facts").textContent = `${size}${type} · ${bytes(blob.size)}`;
      status.textContent = "Rendered.";
    } catch (error) {
      if (error.name === "AbortError") return; // a newer request replaced this one
      status.textContent = error.message;
    }
  }

  const renderAll = debounce(() => {
    render(panels[0]);
    if (compare.checked) render(panels[1]);
  }, 300);

  // A pasted /is/image/{company}/{name}?{modifiers} URL: choose the asset, keep the modifiers.
  async function takeApart(input) {
    const text = input.value.trim();
    if (!/^(https?:\/\/[^/]+)?\/is\/image\//i.test(text)) return;
    const url = new URL(text, location.origin);
    const [company, ...rest] = url.pathname.replace(/^\/is\/image\//i, "").split("/");
    const name = decodeURIComponent(rest.join("/"));
    input.value = url.search.replace(/^\?/, "");
    if (decodeURIComponent(company).toLowerCase() !== isr.company.toLowerCase()) {
      chosenText.textContent = `That URL is of company ${decodeURIComponent(company)}; you are signed in to ${isr.company}.`;
      return;
    }
    const found = await api(`/web/api/assets?q=${encodeURIComponent(name)}`);
    const stem = (n) => n.replace(/\.[^.]*$/, "");
    const match = found.assets.find((a) => a.path && a.name === name) || found.assets.find((a) => a.path && stem(a.name) === name);
    if (match) choose(match);
    else chosenText.textContent = `No image named ${name} in ${isr.company}.`;
  }

  function choose(asset) {
    chosen = asset;
    chosenText.textContent = `Chosen: ${asset.name} (${asset.width} × ${asset.height})`;
    for (const button of list.querySelectorAll("button")) {
      button.setAttribute("aria-pressed", String(button.dataset.handle === asset.handle));
    }
    renderAll();
  }

  async function loadAssets() {
    const found = await api(`/web/api/assets?q=${encodeURIComponent(search.value)}`);
    list.replaceChildren(...found.assets.map((asset) => el("li", {},
      el("button", {
        type: "button", "data-handle": asset.handle, "aria-pressed": String(chosen?.handle === asset.handle),
        disabled: !asset.path, title: asset.path ? `Use ${asset.name}` : `${asset.type}: not an image`,
        onclick: () => choose(asset),
      },
        asset.path ? el("img", { src: `${asset.path}?wid=96&hei=96&fmt=jpg&qlt=70`, alt: "", loading: "lazy" }) : el("span", { text: asset.type }),
        el("span", { text: asset.name }))
    )));
    if (!chosen) {
      const first = found.assets.find((a) => a.path);
      if (first) choose(first);
    }
  }

  async function loadPresets() {
    const { presets } = await api("/web/api/presets");
    preset.append(...presets.map((p) => el("option", { value: p.name, text: `$${p.name}$ — ${p.modifiers}` })));
  }

  search.addEventListener("input", debounce(loadAssets, 250));
  for (const input of [modifiers, modifiersB]) {
    input.addEventListener("input", async () => { await takeApart(input); renderAll(); });
  }
  preset.addEventListener("change", () => {
    if (preset.value) modifiers.value = `$${preset.value}$`;
    renderAll();
  });
  compare.addEventListener("change", () => {
    $("compare-input").hidden = !compare.checked;
    if (compare.checked) {
      panels[0].node.querySelector(".result-title").textContent = "A";
      panels[1].node.querySelector(".result-title").textContent = "B";
      results.append(panels[1].node);
    } else {
      panels[0].node.querySelector(".result-title").textContent = "Rendition";
      panels[1].node.remove();
    }
    renderAll();
  });

  const given = new URLSearchParams(location.search).get("modifiers");
  if (given !== null) modifiers.value = given;
  loadPresets().catch((e) => (chosenText.textContent = e.message));
  loadAssets().catch((e) => (chosenText.textContent = e.message)).finally(renderAll);
})();
