// GET /metrics in the Prometheus text format: requests by route and status, their latency,
// live connections, messages and events, database and process memory.
import { Elysia } from "elysia";
import type { Store } from "../../db/store.ts";
import type { LocalHub } from "../features/realtime/hub.ts";

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

type Histogram = { counts: number[]; sum: number; count: number };

const label = (value: string) => value.replaceAll("\\", "\\\\").replaceAll('"', '\\"');

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();

  /** `route` is the route's template (never a path with ids or a query string). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `method="${label(method)}",route="${label(route)}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const latencyKey = `method="${label(method)}",route="${label(route)}"`;
    const histogram = this.latency.get(latencyKey) ?? {
      counts: latencyBuckets.map(() => 0),
      sum: 0,
      count: 0,
    };
    latencyBuckets.forEach((bound, i) => {
      if (seconds <= bound) histogram.counts[i] = (histogram.counts[i] ?? 0) + 1;
    });
    histogram.sum += seconds;
    histogram.count += 1;
    this.latency.set(latencyKey, histogram);
  }

  render(gauges: { name: string; help: string; type: "gauge" | "counter"; value: number }[]) {
    const lines: string[] = [
      "# HELP chat_http_requests_total HTTP requests answered, by route and status.",
      "# TYPE chat_http_requests_total counter",
    ];
    for (const [key, count] of this.requests)
      lines.push(`chat_http_requests_total{${key}} ${count}`);
    lines.push(
      "# HELP chat_http_request_duration_seconds Time to answer HTTP requests, by route.",
      "# TYPE chat_http_request_duration_seconds histogram",
    );
    for (const [key, histogram] of this.latency) {
      latencyBuckets.forEach((bound, i) => {
        lines.push(
          `chat_http_request_duration_seconds_bucket{${key},le="${bound}"} ${histogram.counts[i]}`,
        );
      });
      lines.push(`chat_http_request_duration_seconds_bucket{${key},le="+Inf"} ${histogram.count}`);
      lines.push(`chat_http_request_duration_seconds_sum{${key}} ${histogram.sum}`);
      lines.push(`chat_http_request_duration_seconds_count{${key}} ${histogram.count}`);
    }
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`, `# TYPE ${gauge.name} ${gauge.type}`);
      lines.push(`${gauge.name} ${gauge.value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

export const metricsRoute = (deps: { db: Store; hub: LocalHub; metrics: Metrics }) =>
  new Elysia({ name: "metrics" }).get(
    "/metrics",
    async () => {
      const memory = process.memoryUsage();
      const { hub } = deps;
      const text = deps.metrics.render([
        {
          name: "chat_websocket_connections",
          help: "Open WebSocket connections.",
          type: "gauge",
          value: hub.countConnections("ws"),
        },
        {
          name: "chat_sse_connections",
          help: "Open event streams.",
          type: "gauge",
          value: hub.countConnections("sse"),
        },
        {
          name: "chat_messages_stored_total",
          help: "Messages stored since start.",
          type: "counter",
          value: hub.stats.messages,
        },
        {
          name: "chat_events_published_total",
          help: "Events published since start.",
          type: "counter",
          value: hub.stats.events,
        },
        {
          name: "chat_database_size_bytes",
          help: "Bytes the database takes.",
          type: "gauge",
          value: await deps.db.sizeBytes(),
        },
        {
          name: "process_resident_memory_bytes",
          help: "Resident memory.",
          type: "gauge",
          value: memory.rss,
        },
        {
          name: "process_heap_used_bytes",
          help: "JavaScript heap in use.",
          type: "gauge",
          value: memory.heapUsed,
        },
      ]);
      return new Response(text, {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    },
    {
      detail: {
        tags: ["Operations"],
        summary: "Prometheus metrics",
        security: [],
        responses: { 200: { description: "The Prometheus text format, version 0.0.4" } },
      },
    },
  );
