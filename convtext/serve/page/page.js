// The convtext page: classify a text or a file, see each token's exact contribution, read the model card.
// Everything it shows comes from the service's own API (/models, /explain, /predict); nothing is loaded from elsewhere.
"use strict";

const MAX_LINES = 1000;
const state = { models: [], model: null, explained: null, shownClass: null };
const $ = (id) => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

const signed = (value) => (value >= 0 ? "+" : "−") + Math.abs(value).toFixed(3);
const percent = (value) => (100 * value).toFixed(1) + " %";

async function api(path, body) {
  const response = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ error: `the service answered ${response.status}` }));
  if (!response.ok) throw new Error(answer.error || `the service answered ${response.status}`);
  return answer;
}

function showError(error) {
  const box = $("error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

// -- the prediction -----------------------------------------------------------------------------------
function renderBars(model, probabilities, chosen) {
  const bars = $("bars");
  bars.replaceChildren();
  const order = model.labels.map((label, i) => [label, probabilities[label], model.thresholds[i]])
    .sort((a, b) => b[1] - a[1]);
  for (const [label, probability, threshold] of order) {
    const row = element("div", null, "bar-row" + (chosen.includes(label) ? " chosen" : ""));
    row.append(element("span", label, "bar-label"));
    row.lastChild.dir = "auto";
    const track = element("div", null, "bar-track");
    track.setAttribute("role", "meter");
    track.setAttribute("aria-valuemin", "0");
    track.setAttribute("aria-valuemax", "1");
    track.setAttribute("aria-valuenow", probability.toFixed(4));
    track.setAttribute("aria-label", `${label}: ${percent(probability)}`);
    const fill = element("div", null, "bar-fill");
    fill.style.width = (100 * probability).toFixed(2) + "%";
    track.append(fill);
    if (model.multi_label) {
      const mark = element("div", null, "threshold");
      mark.style.left = (100 * threshold).toFixed(2) + "%";
      mark.title = `threshold ${threshold.toFixed(2)}`;
      track.append(mark);
    }
    row.append(track, element("span", percent(probability), "bar-value"));
    bars.append(row);
  }
}

function renderClassChoices(model) {
  const choices = $("class-choices");
  choices.replaceChildren();
  for (const label of model.labels) {
    const id = "class-" + model.labels.indexOf(label);
    const input = element("input");
    Object.assign(input, { type: "radio", name: "class", id, value: label, checked: label === state.shownClass });
    input.addEventListener("change", () => { state.shownClass = label; renderContributions(); });
    const tag = element("label", label);
    tag.htmlFor = id;
    tag.dir = "auto";
    choices.append(element("span", null, "choice"));
    choices.lastChild.append(input, tag);
  }
}

function renderContributions() {
  const explained = state.explained;
  const label = state.shownClass;
  const shares = explained.contributions[label];
  const values = explained.segments.map((segment) => segment.tokens.reduce((sum, t) => sum + shares[t], 0));
  const largest = Math.max(1e-9, ...values.map(Math.abs));
  const text = $("highlighted");
  text.replaceChildren();
  explained.segments.forEach((segment, i) => {
    if (!segment.tokens.length) { text.append(document.createTextNode(segment.text)); return; }
    const shown = segment.text || explained.tokens[segment.tokens[0]];  // <s> and </s> read no characters
    const token = element("mark", shown, "token" + (segment.text ? "" : " boundary"));
    const value = values[i];
    token.dataset.value = value.toFixed(6);
    token.title = `${shown}: ${signed(value)}`;
    token.tabIndex = 0;
    token.setAttribute("aria-label", `${shown} ${signed(value)}`);
    const strength = Math.abs(value) / largest;
    token.style.backgroundColor = value >= 0
      ? `rgba(22, 140, 70, ${(0.08 + 0.72 * strength).toFixed(3)})`
      : `rgba(200, 40, 40, ${(0.08 + 0.72 * strength).toFixed(3)})`;
    text.append(token);
  });
  renderNgrams(label);
}

function renderNgrams(label) {
  const explained = state.explained;
  const table = $("ngrams");
  table.caption.textContent = `Top n-grams for “${label}”: with the bias they add up to its score (logit)`;
  const body = table.tBodies[0];
  body.replaceChildren();
  let shown = 0;
  for (const item of explained.ngrams[label]) {
    const row = body.insertRow();
    row.className = "ngram";
    row.insertCell().append(element("span", item.ngram, "ngram-text"));
    row.cells[0].firstChild.dir = "auto";
    row.insertCell().textContent = signed(item.contribution);
    row.cells[1].dataset.value = item.contribution;
    shown += item.contribution;
  }
  const rest = explained.totals[label] - shown;
  const extra = [["all other n-grams", rest], ["bias", explained.bias[label]]];
  for (const [name, value] of extra) {
    const row = body.insertRow();
    row.className = name === "bias" ? "bias" : "rest";
    row.insertCell().textContent = name;
    row.insertCell().textContent = signed(value);
    row.cells[1].dataset.value = value;
  }
  const foot = table.tFoot;
  foot.replaceChildren();
  const total = foot.insertRow();
  total.insertCell().textContent = "score (logit)";
  total.insertCell().textContent = signed(explained.logits[label]);
  total.cells[1].dataset.value = explained.logits[label];
}

async function classify() {
  const text = $("text").value;
  if (!text.trim()) { showError("type a text first"); return; }
  const model = state.model;
  try {
    showError(null);
    let answer;
    if (model.explain) {
      answer = await api("/explain", { text, model: model.name });
    } else {
      const prediction = (await api("/predict", { text, model: model.name })).predictions[0];
      answer = { ...prediction, labels: prediction.labels || [prediction.label] };
    }
    const chosen = answer.labels;
    $("label").textContent = chosen.length ? chosen.join(", ") : "(no label above its threshold)";
    renderBars(model, answer.probabilities, chosen);
    $("explained").hidden = !model.explain;
    $("no-explain").hidden = model.explain;
    if (model.explain) {
      state.explained = answer;
      state.shownClass = answer.label;
      renderClassChoices(model);
      renderContributions();
    }
    $("result").hidden = false;
    document.body.dataset.shown = text;  // which text the result is for (the browser test waits on it)
  } catch (error) {
    showError(error);
  }
}

// -- a file of texts ----------------------------------------------------------------------------------
async function classifyFile(file) {
  const status = $("file-status");
  const lines = (await file.text()).split(/\r\n|\n|\r/);
  const texts = lines.filter((line) => line.trim());
  const skipped = lines.length - texts.length - (lines[lines.length - 1] === "" ? 1 : 0);
  const kept = texts.slice(0, MAX_LINES);
  const notes = [`${kept.length} texts from ${file.name}`];
  if (skipped > 0) notes.push(`${skipped} empty lines skipped`);
  if (texts.length > MAX_LINES) notes.push(`only the first ${MAX_LINES} of ${texts.length} texts`);
  status.textContent = notes.join("; ") + " …";
  try {
    const answer = await api("/predict", { texts: kept, model: state.model.name });
    const body = $("file-results").tBodies[0];
    body.replaceChildren();
    answer.predictions.forEach((prediction, i) => {
      const labels = prediction.labels || [prediction.label];
      const best = Math.max(...Object.values(prediction.probabilities));
      const row = body.insertRow();
      row.insertCell().textContent = i + 1;
      row.insertCell().append(element("span", kept[i], "file-text"));
      row.cells[1].firstChild.dir = "auto";
      row.insertCell().append(element("span", labels.join(", ")));
      row.cells[2].firstChild.dir = "auto";
      row.insertCell().textContent = percent(best);
      const button = element("button", "explain");
      button.type = "button";
      button.setAttribute("aria-label", `explain text ${i + 1}`);
      button.addEventListener("click", () => { $("text").value = kept[i]; classify(); $("text").focus(); });
      row.insertCell().append(button);
    });
    $("file-results").hidden = false;
    status.textContent = notes.join("; ") + ".";
  } catch (error) {
    status.textContent = "";
    showError(error);
  }
}

// -- the model card -----------------------------------------------------------------------------------
function definition(list, term, value) {
  if (value === undefined || value === null || value === "") return;
  list.append(element("dt", term), element("dd", value));
}

function table(headers, rows, caption) {
  const node = element("table");
  if (caption) node.createCaption().textContent = caption;
  const head = node.createTHead().insertRow();
  for (const header of headers) head.append(Object.assign(element("th", header), { scope: "col" }));
  const body = node.createTBody();
  for (const row of rows) {
    const line = body.insertRow();
    row.forEach((cell, i) => {
      const node = i === 0 ? Object.assign(element("th", cell), { scope: "row" }) : element("td", cell);
      node.dir = "auto";
      line.append(node);
    });
  }
  const wrap = element("div", null, "scroll");
  wrap.append(node);
  return wrap;
}

function curve(points) {
  const ns = "http://www.w3.org/2000/svg";
  const width = 320, height = 140, pad = 24;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("class", "curve");
  const series = [["valid_accuracy", "validation accuracy", "acc"], ["train_loss", "training loss", "loss"],
    ["valid_loss", "validation loss", "vloss"]];
  const described = [];
  const last = Math.max(1, points.length - 1);
  for (const [key, name, className] of series) {
    const values = points.map((point) => point[key]).filter((v) => typeof v === "number");
    if (values.length !== points.length || !values.length) continue;
    const top = key === "valid_accuracy" ? 1 : Math.max(...values) || 1;
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("class", className);
    line.setAttribute("points", values.map((v, i) =>
      `${(pad + (i / last) * (width - 2 * pad)).toFixed(1)},${(height - pad - (v / top) * (height - 2 * pad)).toFixed(1)}`).join(" "));
    svg.append(line);
    described.push(`${name} ${values.map((v) => v.toFixed(3)).join(", ")}`);
  }
  svg.setAttribute("aria-label", `training curve by epoch: ${described.join("; ")}`);
  const figure = element("figure");
  figure.append(svg, element("figcaption", "Training curve by epoch: validation accuracy (solid, 0–1), training " +
    "and validation loss (dashed, scaled to their largest value)"));
  return figure;
}

function renderCard(model) {
  const card = $("card");
  card.replaceChildren();
  const facts = element("dl");
  definition(facts, "labels", model.labels.join(" · "));
  definition(facts, "architecture", `${model.architecture}${model.members > 1 ? ` × ${model.members} members` : ""}`);
  definition(facts, "tokenizer", model.tokenizer);
  definition(facts, "embeddings", model.embeddings);
  definition(facts, "training texts", model.trained.train_rows);
  definition(facts, "validation texts", model.trained.valid_rows);
  definition(facts, "best epoch", model.trained.best_epoch);
  definition(facts, "training time", model.trained.seconds !== undefined ? `${model.trained.seconds} s` : null);
  definition(facts, "multi-label", model.multi_label ? "yes: each label has its own threshold" : null);
  card.append(facts);
  const splits = Object.entries(model.metrics);
  if (splits.length) {
    const rows = splits.map(([split, report]) => [split,
      report.accuracy !== undefined ? percent(report.accuracy) : "",
      report.macro_f1 !== undefined ? percent(report.macro_f1) : "", report.n ?? ""]);
    card.append(table(["split", "accuracy", "macro F1", "texts"], rows, "Metrics"));
  }
  const scored = model.metrics.test || model.metrics.valid;
  if (scored && scored.confusion) {
    const split = model.metrics.test ? "test" : "validation";
    const rows = scored.confusion.map((counts, i) => [model.labels[i], ...counts]);
    card.append(table(["true \\ predicted", ...model.labels], rows, `Confusion matrix (${split})`));
  }
  if (model.curve.length) card.append(curve(model.curve));
}

// -- wiring -------------------------------------------------------------------------------------------
function chooseModel(name) {
  state.model = state.models.find((model) => model.name === name);
  renderCard(state.model);
  $("result").hidden = true;
}

async function start() {
  try {
    state.models = await api("/models");
  } catch (error) {
    showError(error);
    return;
  }
  const select = $("model");
  for (const model of state.models) select.append(Object.assign(element("option", model.name), { value: model.name }));
  $("model-picker").hidden = state.models.length < 2;
  select.addEventListener("change", () => chooseModel(select.value));
  chooseModel(state.models[0].name);
  $("classify").addEventListener("submit", (event) => { event.preventDefault(); classify(); });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); classify(); }
  });
  $("file").addEventListener("change", () => { if ($("file").files.length) classifyFile($("file").files[0]); });
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => { event.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    if (event.dataTransfer.files.length) classifyFile(event.dataTransfer.files[0]);
  });
  document.body.dataset.ready = "true";
}

start();
