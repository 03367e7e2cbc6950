// What every benchmark scenario is: a function of the run's size that drives its load against
// our server and its references, and returns rows for the report's one table, plus any detail
// (sections, charts) of its own. The report (report.ts) knows nothing of any scenario.

/** One line of the report's table: our figure against a reference measured in the same run. */
export type Row = {
  /** The scenario's name in the table: "fan-out burst". */
  scenario: string;
  /** What is measured, in its unit: "deliveries/s". */
  measure: string;
  /** A smaller figure is the better one (memory, latency): the target is then a ceiling. */
  lowerIsBetter?: boolean;
  ours: number;
  reference: number;
  referenceName: string;
  /** The ratio ours ÷ reference aimed at; none for a row that is only measured. */
  target?: number;
  /** Shares of a core over the measured part: the server's, and the load generator's. */
  serverCpu: number;
  loadCpu: number;
  note?: string;
};

/** Ours ÷ reference: derived, never stored, so that it cannot disagree with the figures. */
export const ratio = (row: Row) => row.ours / row.reference;

/** A Markdown table: its column headers and the cells of each line. */
export type Table = { columns: string[]; lines: string[][] };

/** A part of the report under its own heading: paragraphs (Markdown) and tables, in order. */
export type Section = { title: string; blocks: (string | Table)[] };

/**
 * Lines against a shared x axis, in panels side by side (many chats: delivered msg/s and p99,
 * against the offered rate). Each series has one list of [x, y] points per panel.
 */
export type LineChart = {
  /** Its file next to the report, and the image's text there. */
  file: string;
  alt: string;
  title: string;
  xMax: number;
  xLabel: string;
  panels: { title: string; yMax: number }[];
  series: { name: string; color: string; points: [number, number][][] }[];
};

/** What a scenario hands to the report. */
export type Outcome = { rows: Row[]; sections?: Section[]; charts?: LineChart[] };

export type RunContext = {
  /** The sizes (`--full`); otherwise quick ones, for a run of a few minutes. */
  full: boolean;
  /** A progress line on the terminal. */
  log: (text: string) => void;
};

export type Scenario = (context: RunContext) => Promise<Outcome>;
