// tamrin playground: the page. It builds the controls from /api/options, keeps one session
// on the server (app.py), polls its state twenty times a second and draws each new snapshot
// (about ten a second) with uPlot.
"use strict";

const POLL_MS = 50;                  // one state request at most every 50 ms: twice the
                                     // worker's snapshot rate, so no snapshot is missed
const RETRY_MS = 2000;               // a lost session is opened again at this pace
const RATE_WINDOW_MS = 3000;         // the view update rate is measured over this window
const CLASS_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
const $ = (id) => document.getElementById(id);

// ---- talking to the server ----------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, field) { super(message); this.status = status; this.field = field; }
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, "the playground server does not answer (is `tamrin playground` still running?)");
  }
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError(response.status, data.error, data.field);
  return data;
}

function showMessage(text, kind = "error") {
  const box = $("message");
  box.textContent = text || "";
  box.className = kind;
  box.hidden = !text;
}

// ---- the controls ---------------------------------------------------------------------------

const form = { fields: [], inputs: {} };

function controlFor(field) {
  const input = document.createElement(field.kind === "choice" ? "select" : "input");
  if (field.kind === "choice") {
    for (const [value, label] of Object.entries(field.choices)) input.add(new Option(label, value));
  } else if (field.kind === "bool") {
    input.type = "checkbox";
  } else {
    input.type = "number";
    input.min = field.low;
    input.max = field.high;
    input.step = field.kind === "int" ? 1 : "any";
  }
  input.name = field.name;
  input.addEventListener("change", () => applyControls());
  return input;
}

function buildForm(fields) {
  form.fields = fields;
  const groups = {};
  for (const field of fields) {
    if (!groups[field.group]) {
      const set = document.createElement("fieldset");
      set.innerHTML = `<legend>${field.group}</legend>`;
      $("controls").append(set);
      groups[field.group] = set;
    }
    const row = document.createElement("label");
    row.className = "control";
    row.title = field.help || "";
    row.append(field.label, controlFor(field));
    groups[field.group].append(row);
    form.inputs[field.name] = row.lastChild;
  }
}

function readForm() {
  const config = {};
  for (const field of form.fields) {
    const input = form.inputs[field.name];
    if (field.kind === "bool") config[field.name] = input.checked;
    else if (field.kind === "choice") config[field.name] = input.value;
    else {
      // A number when it reads as one; otherwise the text itself, so the server says what is wrong.
      const text = input.value.trim();
      config[field.name] = text !== "" && Number.isFinite(Number(text)) ? Number(text) : text;
    }
  }
  return config;
}

function setForm(config) {
  for (const [name, value] of Object.entries(config)) {
    const input = form.inputs[name];
    if (input.type === "checkbox") input.checked = value;
    else input.value = value;
  }
}

function markInvalid(fieldName) {
  for (const [name, input] of Object.entries(form.inputs)) {
    input.parentElement.classList.toggle("invalid", name === fieldName);
  }
}

// ---- charts ---------------------------------------------------------------------------------

function layerColor(i, n) {            // first layer dark blue … last layer orange
  const t = n > 1 ? i / (n - 1) : 0;
  return `hsl(${230 - 200 * t}, 70%, ${35 + 15 * t}%)`;
}

function chartSize(el, height) { return { width: Math.max(300, el.clientWidth - 4), height }; }

// Tick labels of a log axis: plain numbers near 1, powers of ten elsewhere.
const logTicks = (u, values) => values.map((v) => (v == null ? "" :
  v >= 0.01 && v < 1000 ? String(+v.toPrecision(2)) : v.toExponential(0)));

// A chart of the history. Drag across it to zoom in on some steps (new points then leave
// the view alone); double-click to see the whole run again.
function lineChart(el, series, yScale = {}) {
  const chart = new uPlot({
    ...chartSize(el, 220),
    legend: { live: false },
    scales: { x: { time: false }, y: yScale },
    axes: [{ label: "step" }, { size: 60, ...(yScale.distr === 3 ? { values: logTicks } : {}) }],
    series: [{ label: "step" }, ...series.map((s) => ({ width: 1.5, points: { show: false }, ...s }))],
  }, [[], ...series.map(() => [])], el);
  chart.over.addEventListener("mouseup", () => setTimeout(() => {
    const steps = chart.data[0], { min, max } = chart.scales.x;
    chart.zoomed = steps.length > 1 && (min > steps[0] || max < steps[steps.length - 1]);
  }));
  chart.over.addEventListener("dblclick", () => { chart.zoomed = false; });
  return chart;
}

const update = (chart, data) => chart.setData(data, !chart.zoomed);

const positive = (v) => (v > 0 ? v : null);      // a log scale cannot show 0, NaN or ∞

const history = {
  points: [], layers: 0,
  loss: null, accuracy: null, grads: null,

  reset(layers) {
    this.points = [];
    this.layers = layers;
    for (const chart of [this.loss, this.accuracy, this.grads]) chart?.destroy();
    this.loss = lineChart($("loss"), [
      { label: "mini-batch (training mode)", stroke: "#9e9e9e" },
      { label: "training set", stroke: "#1565c0" },
      { label: "validation", stroke: "#e65100" }], { distr: 3 });
    this.accuracy = lineChart($("accuracy"), [
      { label: "training set", stroke: "#1565c0" },
      { label: "validation", stroke: "#e65100" }], { range: [0, 1] });
    this.grads = lineChart($("grads"), Array.from({ length: layers + 1 }, (_, i) => ({
      label: i === layers ? `W${i + 1} (output)` : `W${i + 1}`, stroke: layerColor(i, layers + 1),
    })), { distr: 3 });
  },

  add(points) {
    this.points.push(...points);
    const p = this.points, steps = p.map((q) => q.step);
    update(this.loss, [steps, ...["batch_loss", "train_loss", "val_loss"].map((k) => p.map((q) => positive(q[k])))]);
    update(this.accuracy, [steps, p.map((q) => q.train_acc), p.map((q) => q.val_acc)]);
    update(this.grads, [steps, ...Array.from({ length: this.layers + 1 },
      (_, i) => p.map((q) => positive(q.grad_norms[i])))]);
  },
};

// The decision boundary: the data as uPlot points (one series per class, training points
// filled, validation points hollow) over a heat map of the predicted class and its confidence.
const boundary = {
  chart: null,
  heat: document.createElement("canvas"),

  reset(scene) {
    this.chart?.destroy();
    const [x0, x1, y0, y1] = scene.extent;
    const all = [];
    for (const [split, points] of [["train", scene.train], ["val", scene.val]]) {
      points.x.forEach((x, i) => all.push({ x, y: points.y[i], label: points.label[i], split }));
    }
    all.sort((a, b) => a.x - b.x);                       // uPlot wants x ascending
    const series = [], data = [all.map((p) => p.x)];
    for (const split of ["train", "val"]) {
      for (let k = 0; k < scene.classes; k++) {
        const color = CLASS_COLORS[k % CLASS_COLORS.length];
        series.push({
          label: `${split === "train" ? "training" : "validation"} ${k}`, stroke: color,
          paths: () => null,
          points: { show: true, size: 6, width: 1.5, stroke: split === "train" ? "#fff" : color,
                    fill: split === "train" ? color : "#fff" },
        });
        data.push(all.map((p) => (p.split === split && p.label === k ? p.y : null)));
      }
    }
    this.chart = new uPlot({
      ...chartSize($("boundary"), 380),
      scales: { x: { time: false, auto: false, range: [x0, x1] }, y: { auto: false, range: [y0, y1] } },
      legend: { show: false },
      cursor: { show: false },
      axes: [{}, { size: 50 }],
      series: [{}, ...series],
      hooks: { drawClear: [(u) => this.drawHeat(u)] },
    }, data, $("boundary"));
    $("plane-note").textContent = scene.projected
      ? "(64 inputs: the plane of the first two principal components through the mean)" : "";
  },

  drawHeat(u) {
    if (!this.heat.width) return;
    u.ctx.imageSmoothingEnabled = true;
    u.ctx.drawImage(this.heat, u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  },

  update(view) {
    const size = view.size, classes = atob(view.classes), confidence = atob(view.confidence);
    this.heat.width = this.heat.height = size;
    const ctx = this.heat.getContext("2d"), image = ctx.createImageData(size, size);
    for (let i = 0; i < size * size; i++) {
      const hex = CLASS_COLORS[classes.charCodeAt(i) % CLASS_COLORS.length];
      const strength = 0.65 * confidence.charCodeAt(i) / 255;    // white on the boundary
      for (let c = 0; c < 3; c++) {
        const channel = parseInt(hex.slice(1 + 2 * c, 3 + 2 * c), 16);
        image.data[4 * i + c] = Math.round(255 + (channel - 255) * strength);
      }
      image.data[4 * i + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
    this.chart?.redraw(false, false);
  },
};

const countTicks = (u, values) => values.map((v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : v));

// Small multiples: one bar chart per layer (activations or weights), titled with its counts.
function multiples(el, describe) {
  return {
    names: [], titles: [], charts: [],
    reset(names) {
      this.charts.forEach((c) => c.destroy());
      el.replaceChildren();
      this.names = names;
      this.titles = names.map((name) => {
        const title = document.createElement("div");
        title.className = "title";
        title.textContent = name;
        return title;
      });
      this.charts = this.titles.map((title) => {
        const box = document.createElement("div");
        box.className = "multiple";
        box.append(title);
        el.append(box);
        return new uPlot({
          width: 200, height: 110, legend: { show: false }, cursor: { show: false },
          scales: { x: { time: false }, y: { range: (u, lo, hi) => [0, Math.max(1, hi)] } },
          axes: [{ size: 24, font: "10px sans-serif" },
                 { size: 36, font: "10px sans-serif", values: countTicks }],
          series: [{}, { fill: "#90a4ae", stroke: "#546e7a",
                         paths: uPlot.paths.bars({ size: [1, 100], align: 0 }) }],
        }, [[], []], box);
      });
    },
    update(views) {
      views.forEach((v, i) => {
        if (!this.charts[i]) return;
        const width = (v.hi - v.lo) / v.counts.length;
        this.charts[i].setData([v.counts.map((_, j) => v.lo + (j + 0.5) * width), v.counts]);
        const [text, warn] = describe(v);
        this.titles[i].innerHTML = `${this.names[i]} <span class="${warn ? "warn" : ""}">${text}</span>`;
      });
    },
  };
}

function describeActivations(v) {
  if (v.saturated !== undefined) return [`${Math.round(100 * v.saturated)}% saturated`, v.saturated > 0.2];
  if (v.dead !== undefined) return [`${v.dead}/${v.units} dead`, v.dead > 0];
  return ["", false];
}
const describeWeights = (v) => [`${v.zeros}/${v.size} exactly 0`, v.zeros > 0];

const activations = multiples($("activations"), describeActivations);
const weights = multiples($("weights"), describeWeights);

function resetMultiples(layers) {
  const hidden = Array.from({ length: layers }, (_, i) => `layer ${i + 1}`);
  activations.reset(hidden);
  weights.reset([...hidden.map((_, i) => `W${i + 1}`), `W${layers + 1} (output)`]);
}

// ---- the session ----------------------------------------------------------------------------

// config: the last configuration the server accepted (the form may hold a rejected value)
const session = { id: null, config: null, version: null, total: 0, seq: -1, status: "starting",
                  lost: false };
const stats = { updateTimes: [], rate: 0, stepsPerSecond: 0 };

async function openSession(config) {
  const created = await api("POST", "/api/sessions", { config });
  Object.assign(session, { id: created.id, config: created.config, version: null, total: 0, seq: -1 });
  for (const id of ["run", "step", "reset"]) $(id).disabled = false;
}

function applyState(state) {
  const run = state.run;
  if (!run) return;
  if (run.version !== session.version) {              // a new run (or a thinned history)
    if (!state.scene) { showStatus(run); return; }   // the new run is still starting
    boundary.reset(state.scene);
    history.reset(state.scene.hidden_layers);
    resetMultiples(state.scene.hidden_layers);
    session.version = run.version;
    session.total = 0;
  }
  if (state.points.length) history.add(state.points);
  session.total = run.total;
  if (run.seq !== session.seq && state.views) {
    session.seq = run.seq;
    boundary.update(state.views.boundary);
    activations.update(state.views.activations);
    weights.update(state.views.weights);
    countUpdate(run.step);
  }
  session.status = run.status;
  showStatus(run);
}

function countUpdate(step) {
  const now = performance.now();
  stats.updateTimes.push({ now, step });
  while (now - stats.updateTimes[0].now > RATE_WINDOW_MS) stats.updateTimes.shift();
  const first = stats.updateTimes[0], span = (now - first.now) / 1000;
  stats.rate = span > 0 ? (stats.updateTimes.length - 1) / span : 0;
  stats.stepsPerSecond = span > 0 ? Math.max(0, step - first.step) / span : 0;
}

function showStatus(run) {
  const running = run.status === "running";
  $("run").textContent = running ? "❚❚ pause" : "▶ start";
  const parts = [`${run.status}`, `step ${run.step}`, `epoch ${run.epoch.toFixed(1)}`];
  if (running) parts.push(`${Math.round(stats.stepsPerSecond)} steps/s`, `views ${stats.rate.toFixed(1)}/s`);
  $("status").textContent = parts.join(" · ");
  if (run.error) showMessage(run.error);
}

function stateUrl() {
  const query = session.version
    ? `?since=${session.total}&version=${session.version}&seq=${session.seq}` : "";
  return `/api/sessions/${session.id}/state${query}`;
}

async function pollForever() {
  for (;;) {
    const began = performance.now();
    try {
      if (session.id) applyState(await api("GET", stateUrl()));
      else if (session.lost) await reopen();
    } catch (err) {
      if (err.status === 404) {                      // dropped after idling: start afresh
        session.id = null;
        session.lost = true;
      } else {
        showMessage(err.message);
      }
    }
    const wait = session.id ? POLL_MS - (performance.now() - began) : RETRY_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
}

// A new session with the last accepted controls, after the server dropped ours.
async function reopen() {
  await openSession(session.config ?? readForm());
  session.lost = false;
  showMessage("The session had expired; a new one was started.", "info");
}

async function command(action, body) {
  try {
    const answer = await api("POST", `/api/sessions/${session.id}/${action}`, body);
    session.config = answer.config;
    markInvalid(null);
    showMessage("");
  } catch (err) {
    markInvalid(err.field);
    showMessage(err.message);
    throw err;
  }
}

// A new run with the controls as they are; it keeps running if the old one was.
async function applyControls() {
  const wasRunning = session.status === "running";
  await command("reset", { config: readForm() });
  if (wasRunning) await command("start");
}

// ---- scenarios ------------------------------------------------------------------------------

function showScenario(scenario) {
  const info = $("scenario-info");
  info.hidden = false;
  info.innerHTML = `<strong></strong><p></p>
    <div>Course claim ${scenario.claim} (<code>docs/course.md</code>, “Claim ${scenario.claim}”)</div>
    <div>Lab: <code>tamrin labs run ${scenario.lab} --quick</code></div>`;
  info.querySelector("strong").textContent = scenario.title;
  info.querySelector("p").textContent = scenario.look;
}

function buildScenarios(scenarios, defaults) {
  for (const scenario of scenarios) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = scenario.title;
    button.dataset.scenario = scenario.name;
    button.addEventListener("click", async () => {
      document.querySelectorAll("#scenario-list button").forEach((b) => b.classList.remove("active"));
      button.classList.add("active");
      setForm({ ...defaults, ...scenario.controls });
      showScenario(scenario);
      await applyControls().catch(() => {});
    });
    $("scenario-list").append(button);
  }
}

// ---- start-up -------------------------------------------------------------------------------

async function main() {
  const options = await api("GET", "/api/options");
  const defaults = Object.fromEntries(options.fields.map((f) => [f.name, f.default]));
  buildForm(options.fields);
  setForm(defaults);
  buildScenarios(options.scenarios, defaults);
  $("run").addEventListener("click", () => command(session.status === "running" ? "pause" : "start").catch(() => {}));
  $("step").addEventListener("click", () => command("step").catch(() => {}));
  $("reset").addEventListener("click", () => applyControls().catch(() => {}));
  window.addEventListener("pagehide", () => {
    if (session.id) navigator.sendBeacon(`/api/sessions/${session.id}/close`);
  });
  try {
    await openSession(defaults);
  } catch (err) {                                    // e.g. too many sessions: retried
    session.lost = true;
    showMessage(err.message);
  }
  pollForever();
}

window.playground = { session, stats, history, boundary, activations, weights };
main().catch((err) => showMessage(err.message));
