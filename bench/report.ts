// The report of a run: one table of every scenario's rows, their notes, each scenario's sections
// of detail, a chart of the ratios and each scenario's own charts. It knows no scenario; the
// analysis of the figures is hand-written, in docs/performance.md, which the report links to.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { figure, localPortRange, percent } from "./lib.ts";
import {
  type LineChart,
  type Outcome,
  type Row,
  ratio,
  type Section,
  type Table,
} from "./scenario.ts";

/** "0.51×", or a dash where there is no ratio (a reference of 0: nothing sustained). */
const ratioText = (row: Row) => (Number.isFinite(ratio(row)) ? `${ratio(row).toFixed(2)}×` : "—");
/** A row whose load generator saturated its core measured the generator, not the server. */
const invalid = (row: Row) => row.loadCpu >= 0.95;
const meets = (row: Row, target: number) =>
  row.lowerIsBetter ? ratio(row) <= target : ratio(row) >= target;

function targetCell(row: Row): string {
  if (row.target === undefined) return "none (measured only)";
  return `${row.lowerIsBetter ? "≤" : "≥"} ${row.target}×`;
}

function metCell(row: Row): string {
  if (invalid(row)) return "invalid: load generator saturated";
  if (row.target === undefined) return "—";
  return meets(row, row.target) ? "yes" : "**no**";
}

export function markdownTable({ columns, lines }: Table): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(columns), `|${"---|".repeat(columns.length)}`, ...lines.map(line)].join("\n");
}

function rowsTable(rows: Row[]): Table {
  return {
    columns: [
      "scenario",
      "measure",
      "ours",
      "reference",
      "ratio",
      "target",
      "met",
      "server CPU",
      "load CPU",
    ],
    lines: rows.map((row) => [
      row.scenario,
      row.lowerIsBetter ? `${row.measure} (lower is better)` : row.measure,
      figure(row.ours),
      `${figure(row.reference)} (${row.referenceName})`,
      ratioText(row),
      targetCell(row),
      metCell(row),
      percent(row.serverCpu),
      percent(row.loadCpu),
    ]),
  };
}

function renderSection({ title, blocks }: Section): string {
  const body = blocks.map((block) => (typeof block === "string" ? block : markdownTable(block)));
  return [`## ${title}`, ...body].join("\n\n");
}

const escapeXml = (text: string) =>
  text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");

/**
 * One SVG element with its attributes: `content` as a string is its text (escaped), as a list
 * the elements inside it.
 */
export function svg(
  name: string,
  attributes: Record<string, string | number>,
  content: string | string[] = [],
): string {
  const attrs = Object.entries(attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(String(value))}"`)
    .join("");
  const inner = typeof content === "string" ? escapeXml(content) : content.join("\n");
  return inner === "" ? `<${name}${attrs}/>` : `<${name}${attrs}>${inner}</${name}>`;
}

/** A chart's outer element. */
const svgRoot = (width: number, height: number, content: string[]) =>
  svg(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      "font-family": "sans-serif",
      "font-size": 12,
      role: "img",
    },
    content,
  );

/** Each row's ratio as a bar against its target (a line); grey: invalid; blue: no target. */
export function ratioChart(rows: Row[]): string {
  const barHeight = 26;
  // Ratios from 0 to 20× over 440 px, after the labels.
  const scale = (value: number) => 220 + Math.min(value, 20) * 22;
  const color = (row: Row) => {
    if (invalid(row)) return "#aaaaaa";
    if (row.target === undefined) return "#1164a3";
    return meets(row, row.target) ? "#2bac76" : "#e01e5a";
  };
  const bars = rows.flatMap((row, i) => {
    const y = 30 + i * (barHeight + 14);
    const end = scale(Number.isFinite(ratio(row)) ? ratio(row) : 0);
    return [
      svg("text", { x: 10, y: y + 17 }, `${row.scenario} vs ${row.referenceName.slice(0, 18)}`),
      svg("rect", { x: 220, y, width: end - 220, height: barHeight, fill: color(row) }),
      ...(row.target === undefined
        ? []
        : [
            svg("line", {
              x1: scale(row.target),
              x2: scale(row.target),
              y1: y - 3,
              y2: y + barHeight + 3,
              stroke: "#000",
              "stroke-width": 2,
            }),
          ]),
      svg("text", { x: end + 6, y: y + 17 }, ratioText(row)),
    ];
  });
  return svgRoot(720, rows.length * (barHeight + 14) + 40, [
    svg("title", {}, "Benchmark ratios of our server to each reference, against their targets"),
    svg(
      "text",
      { x: 10, y: 18, "font-weight": "bold" },
      "Ours ÷ reference, measured in one run (line: target; grey: invalid; blue: no target)",
    ),
    ...bars,
  ]);
}

/** Panels of 300 × 200 px side by side, each series a line in every panel, and a legend. */
export function lineChart(chart: LineChart): string {
  const x = (value: number) => 60 + (value / chart.xMax) * 300;
  const panels = chart.panels.map((panel, p) => {
    const y = (value: number) => 230 - (Math.min(value, panel.yMax) / panel.yMax) * 200;
    return svg("g", { transform: `translate(${p * 390},0)` }, [
      svg("text", { x: 60, y: 20, "font-weight": "bold" }, panel.title),
      svg("line", { x1: 60, y1: 230, x2: 360, y2: 230, stroke: "#000" }),
      svg("line", { x1: 60, y1: 30, x2: 60, y2: 230, stroke: "#000" }),
      svg("text", { x: 60, y: 248 }, "0"),
      svg("text", { x: 330, y: 248 }, `${chart.xMax} ${chart.xLabel}`),
      svg("text", { x: 10, y: 36 }, String(Math.round(panel.yMax))),
      ...chart.series.map((series) =>
        svg("polyline", {
          fill: "none",
          stroke: series.color,
          "stroke-width": 2,
          points: (series.points[p] ?? []).map(([px, py]) => `${x(px)},${y(py)}`).join(" "),
        }),
      ),
    ]);
  });
  const legend = chart.series.flatMap((series, i) => [
    svg("rect", { x: 70 + i * 170, y: 262, width: 12, height: 12, fill: series.color }),
    svg("text", { x: 88 + i * 170, y: 273 }, series.name),
  ]);
  return svgRoot(chart.panels.length * 390, 285, [
    svg("title", {}, chart.title),
    ...panels,
    ...legend,
  ]);
}

/** The report as Markdown; with `images`, links to the charts written next to it. */
export function renderReport(
  outcomes: Outcome[],
  { full, images }: { full: boolean; images: boolean },
): string {
  const rows = outcomes.flatMap((outcome) => outcome.rows);
  const charts = outcomes.flatMap((outcome) => outcome.charts ?? []);
  const [lowPort, highPort] = localPortRange();
  const header = `# Benchmarks

Generated by \`bun run bench${full ? " --full" : ""}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown CPU"}), Bun ${Bun.version}.
Every server runs pinned to core 0 and every load generator to core 1 (\`taskset\`); each row's
reference was started in the same run. A row whose load generator used ≥ 95% of its core is
marked invalid. Sizes: ${full ? "the issue's full sizes" : "the default (quick) sizes; `--full` for the issue's"}. Local ports for client
sockets: ${lowPort}–${highPort} (\`net.ipv4.ip_local_port_range\`).

How the suite measures, what changed the numbers, and what bounds the targets it misses:
[performance.md](performance.md) (written by hand, not by the run).`;
  const notes = rows.filter((row) => row.note).map((row) => `- ${row.scenario}: ${row.note}`);
  return `${[
    header,
    ...(images
      ? ["![ratios](benchmarks.svg)", ...charts.map((chart) => `![${chart.alt}](${chart.file})`)]
      : []),
    markdownTable(rowsTable(rows)),
    ...(notes.length > 0 ? [notes.join("\n")] : []),
    ...outcomes.flatMap((outcome) => outcome.sections ?? []).map(renderSection),
  ].join("\n\n")}\n`;
}

/** Writes the report and its charts into `dir` (docs/ for a full run); returns the files. */
export function writeReport(dir: string, outcomes: Outcome[], full: boolean): string[] {
  const files: [string, string][] = [
    ["benchmarks.md", renderReport(outcomes, { full, images: true })],
    ["benchmarks.svg", ratioChart(outcomes.flatMap((outcome) => outcome.rows))],
    ...outcomes
      .flatMap((outcome) => outcome.charts ?? [])
      .map((chart): [string, string] => [chart.file, lineChart(chart)]),
  ];
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
