// The run dashboard webview: live curves of one run (or several: Compare Runs) drawn with uPlot,
// the confusion matrices at the best and the latest evaluation, the run's config and the command
// that reproduces it, and the run's actions. The host sends the points (src/shared/dashboardProtocol.ts);
// every text from a run's files is set with textContent, never parsed as HTML.
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css';
import css from './dashboard.css';
import { applyUpdate, emptyTrain, smooth, type Evaluation, type TrainColumns, type RunMeta } from '../src/shared/dashboardModel';
import {
  defaultViewState, validateHostMessage, validateViewState, type DashboardAction, type DashboardViewState, type RunCard,
} from '../src/shared/dashboardProtocol';
import { alignSeries, axisNumber, configRows, gib, hasMemory, lastValue, perLabelSeries, type Series } from './dashboardData';
import { formatDuration, formatPercent } from '../src/shared/format';
import { el } from './render';

interface VsCodeApi { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

{
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(uplotCss + '\n' + css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

interface RunData { train: TrainColumns; evals: Evaluation[]; meta: RunMeta | null }

let state: DashboardViewState = validateViewState(vscode.getState() ?? defaultViewState());
let cards: RunCard[] = [];
const runs: RunData[] = [];
const runData = (i: number): RunData => (runs[i] ??= { train: emptyTrain(), evals: [], meta: null });

// ------------------------------------------------------------------------------------------
// Layout (static; texts from files go in with textContent)

const root = el(document, 'main', { class: 'dash' });
document.body.append(root);
const header = el(document, 'section', { class: 'runs', 'data-testid': 'runs' });
const controls = el(document, 'div', { class: 'controls' });
const logBox = el(document, 'input', { type: 'checkbox', id: 'log-scale', 'data-testid': 'log-scale' }) as HTMLInputElement;
const smoothBox = el(document, 'input', { type: 'range', min: '0', max: '0.99', step: '0.01', id: 'smoothing', 'data-testid': 'smoothing' }) as HTMLInputElement;
const smoothText = el(document, 'span', { class: 'muted' });
controls.append(
  el(document, 'label', { for: 'log-scale' }, 'Log-scale loss '), logBox,
  el(document, 'label', { for: 'smoothing' }, ' Smoothing '), smoothBox, smoothText,
  el(document, 'span', { class: 'muted hint' }, ' Drag on a chart to zoom, double-click to reset; hover for values.'),
);
const charts = el(document, 'section', { class: 'charts' });
const confusion = el(document, 'section', { class: 'confusion', 'data-testid': 'confusion' });
const config = el(document, 'section', { class: 'config', 'data-testid': 'config' });
root.append(header, controls, charts, confusion, config);
logBox.checked = state.logScale;
smoothBox.value = String(state.smoothing);
smoothText.textContent = state.smoothing.toFixed(2);

function saveState(): void {
  state = { ...state, runs: cards.map((c) => c.path) };
  vscode.setState(state);
}

logBox.addEventListener('change', () => { state.logScale = logBox.checked; saveState(); rebuildCharts(); });
smoothBox.addEventListener('input', () => {
  state.smoothing = Number(smoothBox.value);
  smoothText.textContent = state.smoothing.toFixed(2);
  saveState();
  scheduleRender();
});

// ------------------------------------------------------------------------------------------
// Charts

const cssVar = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];
const color = (i: number) => cssVar(PALETTE[i % PALETTE.length], FALLBACK[i % FALLBACK.length]);

interface LineSpec { label: string; x: number[]; y: Series; color: string; width?: number; dash?: number[]; faint?: boolean }
interface ChartSpec { id: string; title: string; log?: boolean; percent?: boolean; lines: LineSpec[]; marks: { step: number; color: string }[] }

interface Chart { plot: uPlot; box: HTMLElement; count: HTMLElement; zoomed: boolean; signature: string }
const built = new Map<string, Chart>();

/** Vertical dashed lines at the best evaluation step(s). */
function marksPlugin(getMarks: () => { step: number; color: string }[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        for (const m of getMarks()) {
          const x = u.valToPos(m.step, 'x', true);
          if (!Number.isFinite(x) || x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.save();
          ctx.strokeStyle = m.color;
          ctx.setLineDash([4, 4]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        }
      },
    },
  };
}

function specs(): ChartSpec[] {
  const single = cards.length <= 1;
  const out: ChartSpec[] = [];
  const name = (i: number) => cards[i]?.name ?? `run ${i + 1}`;
  const best = (i: number) => {
    let b: Evaluation | undefined;
    for (const e of runData(i).evals) if (e.accuracy !== null && (!b || e.accuracy > (b.accuracy as number))) b = e;
    return b;
  };
  const marks = cards.map((_, i) => ({ step: best(i)?.step ?? NaN, color: single ? cssVar('--vscode-charts-green', '#89d185') : color(i) })).filter((m) => Number.isFinite(m.step));
  const evalX = (i: number) => runData(i).evals.map((e) => e.step);
  const lossLines: LineSpec[] = [];
  const accLines: LineSpec[] = [];
  cards.forEach((_, i) => {
    const r = runData(i);
    if (single) {
      lossLines.push({ label: 'train loss', x: r.train.step, y: r.train.loss, color: color(0), width: 1, faint: true });
      lossLines.push({ label: `train loss (smoothed ${state.smoothing.toFixed(2)})`, x: r.train.step, y: smooth(r.train.loss, state.smoothing), color: color(0), width: 2 });
      lossLines.push({ label: 'validation loss', x: evalX(i), y: r.evals.map((e) => e.loss), color: color(1), width: 2 });
      accLines.push({ label: 'validation accuracy', x: evalX(i), y: r.evals.map((e) => e.accuracy), color: color(2), width: 2 });
      perLabelSeries(r.evals).forEach((p, li) => accLines.push({ label: `label ${p.label}`, x: p.x, y: p.y, color: color(3 + li), width: 1, dash: [5, 3] }));
    } else {
      lossLines.push({ label: `${name(i)} train`, x: r.train.step, y: smooth(r.train.loss, state.smoothing), color: color(i), width: 2 });
      lossLines.push({ label: `${name(i)} validation`, x: evalX(i), y: r.evals.map((e) => e.loss), color: color(i), width: 1, dash: [5, 3] });
      accLines.push({ label: name(i), x: evalX(i), y: r.evals.map((e) => e.accuracy), color: color(i), width: 2 });
    }
  });
  out.push({ id: 'loss', title: 'Loss', log: state.logScale, lines: lossLines, marks });
  out.push({ id: 'accuracy', title: 'Validation accuracy', percent: true, lines: accLines, marks });
  out.push({ id: 'lr', title: 'Learning rate', lines: cards.map((_, i) => ({ label: single ? 'lr' : name(i), x: runData(i).train.step, y: runData(i).train.lr, color: color(single ? 4 : i), width: 1.5 })), marks: [] });
  out.push({ id: 'throughput', title: 'Samples / s', lines: cards.map((_, i) => ({ label: single ? 'samples/s' : name(i), x: runData(i).train.step, y: runData(i).train.samplesPerS, color: color(single ? 5 : i), width: 1.5 })), marks: [] });
  const mem: LineSpec[] = [];
  cards.forEach((_, i) => {
    const t = runData(i).train;
    if (!hasMemory(t)) return;
    const p = single ? '' : `${name(i)} `;
    if (t.memUsed.some((v) => v !== null)) {
      mem.push({ label: `${p}GPU memory in use (GiB)`, x: t.step, y: gib(t.memUsed), color: color(single ? 0 : i), width: 2 });
      mem.push({ label: `${p}GPU memory peak (GiB)`, x: t.step, y: gib(t.memPeak), color: color(single ? 1 : i), width: 1, dash: [5, 3] });
    }
    if (t.rss.some((v) => v !== null)) mem.push({ label: `${p}RSS (GiB)`, x: t.step, y: gib(t.rss), color: color(single ? 2 : i), width: 2 });
  });
  if (mem.length) out.push({ id: 'memory', title: 'Memory', lines: mem, marks: [] });
  const util: LineSpec[] = [];
  cards.forEach((_, i) => {
    const t = runData(i).train;
    if (t.gpuUtil.some((v) => v !== null)) util.push({ label: single ? 'GPU utilisation (%)' : name(i), x: t.step, y: t.gpuUtil, color: color(single ? 3 : i), width: 1.5 });
    else if (t.cpuS.some((v) => v !== null)) util.push({ label: single ? 'CPU time (s)' : name(i), x: t.step, y: t.cpuS, color: color(single ? 3 : i), width: 1.5 });
  });
  if (util.length) out.push({ id: 'utilisation', title: util[0].label.includes('GPU') ? 'GPU utilisation' : 'CPU time', lines: util, marks: [] });
  return out;
}

function chartWidth(): number {
  return Math.max(280, Math.floor((charts.clientWidth || window.innerWidth - 40) / (window.innerWidth > 1100 ? 2 : 1)) - 16);
}

function makeChart(spec: ChartSpec, data: uPlot.AlignedData): Chart {
  const box = el(document, 'div', { class: 'chart', 'data-testid': `chart-${spec.id}` });
  const title = el(document, 'div', { class: 'chart-title' });
  const count = el(document, 'span', { class: 'muted', 'data-testid': `count-${spec.id}` });
  title.append(el(document, 'span', {}, spec.title + ' '), count);
  box.append(title);
  charts.append(box);
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.25)');
  const axis: uPlot.Axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const chart: Chart = { plot: undefined as unknown as uPlot, box, count, zoomed: false, signature: '' };
  const opts: uPlot.Options = {
    width: chartWidth(),
    height: 220,
    scales: { x: { time: false }, y: spec.log ? { distr: 3 } : {} },
    axes: [
      { ...axis, label: 'step' },
      { ...axis, values: spec.percent ? (_u, v) => v.map((x) => `${Math.round(x * 100)}%`) : (_u, v) => v.map(axisNumber), size: 60 },
    ],
    series: [
      { label: 'step' },
      ...spec.lines.map((l) => ({
        label: l.label, stroke: l.faint ? `${l.color}55` : l.color, width: l.width ?? 1.5, dash: l.dash, spanGaps: true, points: { show: false },
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : spec.percent ? formatPercent(v) : Math.abs(v) < 0.01 && v !== 0 ? v.toExponential(3) : v.toPrecision(4)),
      })),
    ],
    cursor: { drag: { x: true, y: false } },
    hooks: { setSelect: [() => { chart.zoomed = true; }] },
    plugins: [marksPlugin(() => currentMarks.get(spec.id) ?? [])],
  };
  chart.plot = new uPlot(opts, data, box);
  chart.plot.over.addEventListener('dblclick', () => { chart.zoomed = false; });
  return chart;
}

const currentMarks = new Map<string, { step: number; color: string }[]>();

function rebuildCharts(): void {
  for (const c of built.values()) { c.plot.destroy(); c.box.remove(); }
  built.clear();
  render();
}

let renderPending = false;
function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => { renderPending = false; render(); });
}

function render(): void {
  for (const spec of specs()) {
    const data = alignSeries(spec.lines.map((l) => ({ x: l.x, y: l.y }))) as uPlot.AlignedData;
    currentMarks.set(spec.id, spec.marks);
    // A chart is made again when its series change (a label appears, a run is added, log scale).
    const signature = `${spec.log}|${spec.lines.map((l) => l.label).join('\n')}`;
    let chart = built.get(spec.id);
    if (chart && chart.signature !== signature) { chart.plot.destroy(); chart.box.remove(); built.delete(spec.id); chart = undefined; }
    if (!chart) {
      chart = makeChart(spec, data);
      chart.signature = signature;
      built.set(spec.id, chart);
    } else {
      chart.plot.setData(data, !chart.zoomed);
    }
    const n = spec.lines[0] ? spec.lines[0].x.length : 0;
    chart.count.textContent = `(${n} points${spec.lines[0] && lastValue(spec.lines[0].y) !== null ? `, last ${formatValue(lastValue(spec.lines[0].y), spec.percent)}` : ''})`;
  }
  renderHeader();
  renderConfusion();
}

function formatValue(v: number | null, percent?: boolean): string {
  if (v === null) return '–';
  return percent ? formatPercent(v) : String(Number(v.toPrecision(5)));
}

window.addEventListener('resize', () => { for (const c of built.values()) c.plot.setSize({ width: chartWidth(), height: 220 }); });

// ------------------------------------------------------------------------------------------
// Run cards, confusion matrices, config

const ACTION_LABELS: Record<DashboardAction, string> = {
  cancel: 'Cancel', resume: 'Resume', continue: 'Continue Training…', evaluate: 'Evaluate…', exportOnnx: 'Export to ONNX',
  showPredictions: 'Show Predictions', copyCommand: 'Copy Command', openLog: 'Open Log',
};

function renderHeader(): void {
  header.replaceChildren();
  cards.forEach((card, i) => {
    const r = runData(i);
    const meta = r.meta;
    const box = el(document, 'div', { class: 'run', 'data-testid': `run-${i}` });
    const title = el(document, 'h2', {});
    if (cards.length > 1) {
      const swatch = el(document, 'span', { class: 'swatch' }, '■ ');
      swatch.style.color = color(i); // the colour of this run's curves
      title.append(swatch);
    }
    title.append(el(document, 'span', {}, card.name));
    const status = meta?.status ?? 'stopped';
    title.append(el(document, 'span', { class: `status ${status}`, 'data-testid': `status-${i}` }, ` ${status}${meta?.earlyStopped ? ' (early stop)' : ''}`));
    box.append(title);
    const step = r.train.step.length ? r.train.step[r.train.step.length - 1] : null;
    let best: Evaluation | undefined;
    for (const e of r.evals) if (e.accuracy !== null && (!best || e.accuracy > (best.accuracy as number))) best = e;
    const facts = [
      `step ${step ?? '–'}${meta?.totalSteps ? ` / ${meta.totalSteps}` : ''}`,
      `loss ${formatValue(lastValue(r.train.loss))}`,
      `best ${best ? `${formatValue(best.accuracy, true)} at step ${best.step}` : '–'}`,
      `lr ${formatValue(lastValue(r.train.lr))}`,
      `${formatValue(lastValue(r.train.samplesPerS))} samples/s`,
      status === 'running' ? `ETA ${formatDuration(lastValue(r.train.etaS))}` : '',
    ].filter(Boolean);
    box.append(el(document, 'div', { class: 'facts', 'data-testid': `facts-${i}` }, facts.join(' · ')));
    if (meta?.error) box.append(el(document, 'div', { class: 'error' }, meta.error));
    const actions = el(document, 'div', { class: 'actions' });
    for (const a of card.actions) {
      const b = el(document, 'button', { type: 'button', 'data-testid': `action-${a}-${i}` }, ACTION_LABELS[a]);
      b.addEventListener('click', () => vscode.postMessage({ kind: 'action', action: a, run: i }));
      actions.append(b);
    }
    box.append(actions);
    header.append(box);
  });
}

function matrixTable(title: string, e: Evaluation): HTMLElement {
  const box = el(document, 'div', { class: 'matrix' });
  box.append(el(document, 'h3', {}, `${title}: step ${e.step}, accuracy ${formatValue(e.accuracy, true)}`));
  const table = el(document, 'table', {});
  const head = el(document, 'tr', {});
  head.append(el(document, 'th', {}, 'true \\ predicted'));
  for (const l of e.labels) head.append(el(document, 'th', {}, l));
  table.append(head);
  const max = Math.max(1, ...(e.matrix ?? []).flat());
  (e.matrix ?? []).forEach((row, ri) => {
    const tr = el(document, 'tr', {});
    tr.append(el(document, 'th', {}, e.labels[ri] ?? String(ri)));
    row.forEach((v, ci) => {
      const td = el(document, 'td', { class: ri === ci ? 'diag' : v > 0 ? 'off' : '' }, String(v));
      td.style.setProperty('--share', String(v / max));
      tr.append(td);
    });
    table.append(tr);
  });
  box.append(table);
  return box;
}

function renderConfusion(): void {
  confusion.replaceChildren();
  if (cards.length !== 1) return;
  const evals = runData(0).evals.filter((e) => e.matrix);
  if (!evals.length) return;
  let best = evals[0];
  for (const e of evals) if ((e.accuracy ?? -1) > (best.accuracy ?? -1)) best = e;
  const latest = evals[evals.length - 1];
  const row = el(document, 'div', { class: 'matrices' });
  row.append(matrixTable('Best evaluation', best));
  if (latest !== best) row.append(matrixTable('Latest evaluation', latest));
  confusion.append(el(document, 'h2', {}, 'Confusion matrix'), row);
  if (cards[0].actions.includes('showPredictions')) {
    const b = el(document, 'button', { type: 'button', 'data-testid': 'open-gallery' }, 'Show Predictions (gallery)');
    b.addEventListener('click', () => vscode.postMessage({ kind: 'action', action: 'showPredictions', run: 0 }));
    confusion.append(b);
  } else {
    confusion.append(el(document, 'p', { class: 'muted' }, 'Evaluate the model (a button above) to browse its predictions in the gallery.'));
  }
}

function renderConfig(): void {
  config.replaceChildren(el(document, 'h2', {}, cards.length > 1 ? 'Configs (differences highlighted)' : 'Config (config.json)'));
  const rows = configRows(cards.map((c) => c.config));
  const table = el(document, 'table', { 'data-testid': 'config-table' });
  const head = el(document, 'tr', {});
  head.append(el(document, 'th', {}, 'key'));
  for (const c of cards) head.append(el(document, 'th', {}, c.name));
  table.append(head);
  for (const r of rows) {
    const tr = el(document, 'tr', r.differs ? { class: 'differs' } : {});
    tr.append(el(document, 'td', { class: 'key' }, r.key));
    for (const v of r.values) tr.append(el(document, 'td', {}, v));
    table.append(tr);
  }
  config.append(table);
  cards.forEach((c, i) => {
    if (!c.command) return;
    config.append(el(document, 'h3', {}, cards.length > 1 ? `Command (${c.name})` : 'Command that reproduces this run'));
    const pre = el(document, 'pre', { class: 'command', 'data-testid': `command-${i}` }, c.command);
    const copy = el(document, 'button', { type: 'button', 'data-testid': `copy-${i}` }, 'Copy');
    copy.addEventListener('click', () => vscode.postMessage({ kind: 'action', action: 'copyCommand', run: i }));
    config.append(pre, copy);
  });
}

// ------------------------------------------------------------------------------------------
// Messages

window.addEventListener('message', (ev: MessageEvent) => {
  const msg = validateHostMessage(ev.data);
  if (!msg) return;
  if (msg.kind === 'runs') {
    const countChanged = msg.runs.length !== cards.length;
    cards = msg.runs;
    saveState();
    renderConfig();
    if (countChanged) rebuildCharts(); else scheduleRender();
    return;
  }
  const r = runData(msg.run);
  applyUpdate(r, msg.update);
  r.meta = msg.update.meta;
  scheduleRender();
});

vscode.postMessage({ kind: 'ready' });
