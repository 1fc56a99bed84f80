/**
 * The dashboard page: asks its own server for the statistics of a range and draws them. Every figure
 * is also in the DOM, raw in `data-raw` attributes (the browser test compares them with getStats),
 * and each chart has the table of its numbers beside it.
 */
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { DayStats, SessionRow, StatsReport } from '../../lambdas/read-api/stats-reader';
import { SESSION_PANELS, TOTAL_FIGURES, formatCount, formatDuration, formatRate, type DashboardConfig } from './contract';

Chart.register(ArcElement, BarController, BarElement, CategoryScale, DoughnutController, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);
// Drawn at once: the page is redrawn on every range change, and the screenshot shows the final state.
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#ea580c', '#475569'];

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const charts: Chart[] = [];

function make<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function chartBox(config: ChartConfiguration): HTMLElement {
  const box = make('div', { class: 'chart' });
  const canvas = make('canvas');
  box.append(canvas);
  // Charts need their canvas in the document to measure it; drawn once the panel is placed.
  queueMicrotask(() => charts.push(new Chart(canvas, config)));
  return box;
}

interface Column<Row> {
  title: string;
  text(row: Row): string;
  /** The raw figure, as getStats returns it; absent for the row's label. */
  raw?(row: Row): number | null;
  field?: string;
}

function table<Row>(figure: string, columns: Column<Row>[], rows: Row[], value: (row: Row) => string): HTMLTableElement {
  const node = make('table', { 'data-figure': figure });
  const head = make('tr');
  for (const column of columns) head.append(make('th', column.raw ? { class: 'n' } : {}, column.title));
  node.append(make('thead'), make('tbody'));
  node.tHead?.append(head);
  for (const row of rows) {
    const line = make('tr', { 'data-value': value(row) });
    for (const column of columns) {
      const raw = column.raw?.(row);
      line.append(
        column.raw
          ? make('td', { class: 'n', 'data-field': column.field ?? '', 'data-raw': raw === null || raw === undefined ? '' : String(raw) }, column.text(row))
          : make('td', { class: 'value', title: column.text(row) }, column.text(row)),
      );
    }
    node.tBodies[0]?.append(line);
  }
  if (rows.length === 0) {
    const line = make('tr');
    line.append(make('td', { class: 'empty', colspan: String(columns.length) }, 'nothing in this range'));
    node.tBodies[0]?.append(line);
  }
  return node;
}

function panel(title: string, figure: string, ...content: HTMLElement[]): HTMLElement {
  const section = make('section', { class: 'panel', 'data-panel': figure });
  section.append(make('h2', {}, title), ...content);
  return section;
}

const barChart = (labels: string[], data: number[], label: string): ChartConfiguration => ({
  type: 'bar',
  data: { labels, datasets: [{ label, data, backgroundColor: COLORS[0] }] },
  options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
});

function dailyPanels(days: DayStats[]): HTMLElement[] {
  const labels = days.map((day) => day.day);
  const line = (label: string, data: (number | null)[], color: string) => ({ label, data, borderColor: color, backgroundColor: color, pointRadius: days.length > 60 ? 0 : 2, tension: 0.2, spanGaps: true });
  const daily = chartBox({
    type: 'line',
    data: {
      labels,
      datasets: [line('Visitors', days.map((day) => day.visitors), COLORS[0] as string), line('Sessions', days.map((day) => day.sessions), COLORS[1] as string), line('Page views', days.map((day) => day.pageViews), COLORS[2] as string)],
    },
    options: { interaction: { mode: 'index', intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const dayTable = table<DayStats>(
    'days',
    [
      { title: 'Day', text: (day) => day.day },
      { title: 'Visitors', field: 'visitors', raw: (day) => day.visitors, text: (day) => formatCount(day.visitors) },
      { title: 'New', field: 'newVisitors', raw: (day) => day.newVisitors, text: (day) => formatCount(day.newVisitors) },
      { title: 'Sessions', field: 'sessions', raw: (day) => day.sessions, text: (day) => formatCount(day.sessions) },
      { title: 'Page views', field: 'pageViews', raw: (day) => day.pageViews, text: (day) => formatCount(day.pageViews) },
      { title: 'Bounce rate', field: 'bounceRate', raw: (day) => day.bounceRate, text: (day) => formatRate(day.bounceRate) },
      { title: 'Avg. duration', field: 'avgSessionDurationMs', raw: (day) => day.avgSessionDurationMs, text: (day) => formatDuration(day.avgSessionDurationMs) },
    ],
    [...days].reverse(),
    (day) => day.day,
  );
  const details = make('details');
  details.append(make('summary', {}, 'Every day'), dayTable);
  const wide = panel('Visitors, sessions and page views per day', 'daily', daily, details);
  wide.classList.add('wide');

  const bounce = chartBox({
    type: 'bar',
    data: { labels, datasets: [{ label: 'Bounce rate %', data: days.map((day) => (day.bounceRate === null ? null : Math.round(day.bounceRate * 1000) / 10)), backgroundColor: COLORS[3] }] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, max: 100 } } },
  });
  const duration = chartBox({
    type: 'line',
    data: { labels, datasets: [line('Avg. session duration (min)', days.map((day) => (day.avgSessionDurationMs === null ? null : Math.round(day.avgSessionDurationMs / 600) / 100)), COLORS[4] as string)] },
    options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } },
  });
  return [wide, panel('Bounce rate per day (%)', 'bounce-rate', bounce), panel('Average session duration per day (minutes)', 'session-duration', duration)];
}

function sessionPanel(key: string, title: string, column: string, rows: SessionRow[]): HTMLElement {
  const labels = rows.map((row) => row.value);
  const data = rows.map((row) => row.sessions);
  const config: ChartConfiguration =
    key === 'deviceTypes'
      ? { type: 'doughnut', data: { labels, datasets: [{ data, backgroundColor: COLORS }] }, options: { plugins: { legend: { position: 'right' } } } }
      : barChart(labels, data, 'Sessions');
  const rowsTable = table<SessionRow>(
    key,
    [
      { title: column, text: (row) => row.value },
      { title: 'Sessions', field: 'sessions', raw: (row) => row.sessions, text: (row) => formatCount(row.sessions) },
    ],
    rows,
    (row) => row.value,
  );
  return panel(title, key, chartBox(config), rowsTable);
}

function render(stats: StatsReport): void {
  for (const chart of charts.splice(0)) chart.destroy();
  const totals = element('totals');
  totals.replaceChildren(
    ...TOTAL_FIGURES.map(({ key, label }) => {
      const raw = stats.totals[key];
      const text = key === 'bounceRate' ? formatRate(stats.totals.bounceRate) : key === 'avgSessionDurationMs' ? formatDuration(stats.totals.avgSessionDurationMs) : formatCount(stats.totals[key]);
      const box = make('div', { class: 'total' });
      box.append(make('span', {}, label), make('strong', { 'data-total': key, 'data-raw': raw === null ? '' : String(raw) }, text));
      return box;
    }),
  );
  const pages = panel(
    'Top pages',
    'pages',
    chartBox(barChart(stats.pages.map((row) => row.path), stats.pages.map((row) => row.views), 'Views')),
    table(
      'pages',
      [
        { title: 'Path', text: (row) => row.path },
        { title: 'Views', field: 'views', raw: (row) => row.views, text: (row) => formatCount(row.views) },
        { title: 'Visits', field: 'visits', raw: (row) => row.visits, text: (row) => formatCount(row.visits) },
      ],
      stats.pages,
      (row) => row.path,
    ),
  );
  element('panels').replaceChildren(...dailyPanels(stats.days), pages, ...SESSION_PANELS.map(({ key, title, column }) => sessionPanel(key, title, column, stats[key])));
}

async function load(from: string, to: string): Promise<void> {
  const status = element('status');
  const main = document.querySelector('main') as HTMLElement;
  main.removeAttribute('data-loaded');
  status.className = '';
  status.textContent = `Loading ${from} to ${to}…`;
  const response = await fetch(`/api/stats?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  const body = (await response.json()) as StatsReport | { error: string };
  if ('error' in body) {
    status.className = 'error';
    status.textContent = body.error;
    return;
  }
  render(body);
  status.textContent = `${body.range.from} to ${body.range.to} (${body.days.length} days)`;
  main.dataset.from = body.range.from;
  main.dataset.to = body.range.to;
  // Charts are created in microtasks queued by render; mark loaded after them.
  await Promise.resolve();
  main.dataset.loaded = 'true';
  history.replaceState(null, '', `?from=${body.range.from}&to=${body.range.to}`);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

async function start(): Promise<void> {
  const config = (await (await fetch('/api/config')).json()) as DashboardConfig;
  element('source').textContent = `table ${config.tableName}, ${config.source}; days in ${config.timeZone}`;
  const query = new URLSearchParams(location.search);
  const fromInput = element<HTMLInputElement>('from');
  const toInput = element<HTMLInputElement>('to');
  fromInput.value = query.get('from') ?? config.defaultRange.from;
  toInput.value = query.get('to') ?? config.defaultRange.to;
  const show = () => load(fromInput.value, toInput.value).catch((error: unknown) => {
    element('status').className = 'error';
    element('status').textContent = String(error);
  });
  element('range').addEventListener('submit', (event) => {
    event.preventDefault();
    void show();
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-days]')) {
    button.addEventListener('click', () => {
      toInput.value = config.today;
      fromInput.value = addDays(config.today, 1 - Number(button.dataset.days));
      void show();
    });
  }
  await show();
}

void start();
