/**
 * The Grafana dashboard in deploy/grafana/ asks only for metrics that vaultarr exports.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type pg from 'pg';
import { createApiMetrics, createWorkerMetrics, workerMetricsSettings } from '../../lib/metrics.js';
import { testConfig } from '../helpers/config.js';

interface Panel {
  title: string;
  targets?: Array<{ expr: string }>;
}
const dashboard = JSON.parse(readFileSync('deploy/grafana/vaultarr-dashboard.json', 'utf8')) as {
  panels: Panel[];
  templating: { list: Array<{ query: { query: string } }> };
};

/** Every series name vaultarr exports, histograms with their `_bucket`, `_sum` and `_count` series. */
function exportedNames(): Set<string> {
  const metrics = [
    ...createApiMetrics({ pool: {} as pg.Pool }).registry.getMetricsAsArray(),
    ...createWorkerMetrics({
      settings: workerMetricsSettings(testConfig({ hostId: 'h', library: { localRoot: tmpdir() } })),
      rcloneDaemonUp: async () => true,
      quotaPause: { current: () => undefined, pausesStarted: 0 },
      throttle: () => ({ throttled: false, streams: {}, totalStreams: 0 }),
    }).registry.getMetricsAsArray(),
  ];
  return new Set(
    metrics.flatMap((m) =>
      String(m.type) === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name],
    ),
  );
}

const queries: Array<[string, string]> = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t): [string, string] => [p.title, t.expr])),
  ...dashboard.templating.list.map((v): [string, string] => ['variable', v.query.query]),
];

describe('deploy/grafana/vaultarr-dashboard.json', () => {
  const names = exportedNames();

  test('has panels with queries', () => {
    expect(dashboard.panels.length).toBeGreaterThan(5);
    expect(queries.length).toBeGreaterThan(dashboard.panels.length);
  });

  test.each(queries)('%s: every metric in "%s" is exported', (_title, expr) => {
    const used = [...expr.matchAll(/\bvaultarr_[a-z0-9_]+/g)].map((m) => m[0]);
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !names.has(name))).toEqual([]);
  });
});
