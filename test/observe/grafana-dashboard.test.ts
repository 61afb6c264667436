// The Grafana dashboard: importable JSON on a Prometheus datasource variable, every query naming
// only agreed metrics (and all of them shown), every query valid PromQL as promtool parses it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { toYaml } from '../../src/observe/yaml-emit.ts';
import { ROOT } from '../support/cli.ts';
import { AGREED_METRICS, AGREED_SERIES, metricNames } from './agreed-metrics.ts';

interface Target {
  expr: string;
  refId: string;
  datasource?: { type: string; uid: string };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}

interface Variable {
  name: string;
  type: string;
  query: string | { query: string };
}

interface Dashboard {
  uid: string;
  title: string;
  id: number | null;
  templating: { list: Variable[] };
  panels: Panel[];
}

const dashboard = JSON.parse(readFileSync(resolve(ROOT, 'ops', 'grafana', 'vigil-dashboard.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queryPanels = panels.filter((p) => p.type !== 'row');
const targets = queryPanels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

describe('Grafana dashboard', () => {
  it('is importable: a uid, no instance id, a Prometheus datasource variable every query uses', () => {
    assert.equal(dashboard.id, null);
    assert.ok(dashboard.uid && dashboard.title);
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
    assert.ok(ds);
    assert.equal(ds.query, 'prometheus');
    const ref = { type: 'prometheus', uid: `\${${ds.name}}` };
    for (const p of queryPanels) {
      assert.deepEqual(p.datasource, ref, p.title);
      assert.ok((p.targets ?? []).length > 0, `${p.title} has queries`);
    }
    for (const { panel, target } of targets) assert.deepEqual(target.datasource, ref, panel.title);
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of panels) assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} fits the grid`);
  });

  it('every panel query and variable names only agreed metrics, and every agreed metric is shown', () => {
    const used = new Set<string>();
    for (const { panel, target } of targets) {
      const names = metricNames(target.expr);
      assert.ok(names.length > 0, `${panel.title}: ${target.expr}`);
      for (const name of names) {
        assert.ok(AGREED_SERIES.has(name), `${panel.title}: ${name} is not an agreed metric`);
        used.add(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const query = typeof v.query === 'string' ? v.query : v.query.query;
      const m = /^label_values\((\w+), *(\w+)\)$/.exec(query);
      assert.ok(m?.[1], `${v.name}: ${query}`);
      assert.ok(AGREED_SERIES.has(m[1]), `${v.name}: ${m[1]}`);
    }
    assert.deepEqual(AGREED_METRICS.filter((m) => !used.has(m)), [], 'metrics with no panel');
  });

  it('every query is PromQL that promtool parses (variables filled in)', () => {
    // promtool has no expression checker of its own, so each query becomes a recording rule.
    const rules = targets.map(({ panel, target }) => ({
      record: `vigil_dashboard:panel_${panel.id}_${target.refId}`,
      expr: target.expr.replaceAll('$__rate_interval', '5m').replaceAll('$group', '.*'),
    }));
    assert.ok(rules.every((r) => !r.expr.includes('$')), 'only $group and $__rate_interval are used');
    const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      writeFileSync(file, toYaml({ groups: [{ name: 'dashboard', rules }] }));
      const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
