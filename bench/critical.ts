/**
 * Critical-path and plan-limit modes of `npm run bench` (issue 12).
 *
 * critical (`--mode critical --latency 100`): sequential single requests at a realistic vendor
 * latency, cache off and on, for three views: the customer dashboard, an agent's list of 50
 * customers as a staff screen shows it, and a ticket detail with comments. For each: latency
 * p50, vendor round trips on the critical path (counted by the simulators, and p50 / latency),
 * calls per system; the first request of a process (links not yet known) is reported apart.
 *
 * plan (`--mode plan --plan zendesk=enterprise,stripe=live,hubspot=professional`): the
 * simulators enforce those plans' published limits; cold dashboards of many customers under
 * load: responses per second, vendor 429s (goal: 0), failed responses (goal: 0) and fields
 * answered RATE_LIMITED.
 */
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { signDevToken } from '../src/auth/tokens.js';
import type { Config } from '../src/config/index.js';
import type { Simulators, SimSystem } from '../sim/index.js';

const SYSTEMS: SimSystem[] = ['hubspot', 'stripe', 'zendesk', 's3'];

export const STAFF_LIST = `query StaffList { customers(first: 50) { nodes { id name email billing { balance subscription { status } } tickets(first: 3) { nodes { subject status } } } } }`;
export const TICKET_DETAIL = `query TicketDetail($id: ID!) { customer(id: $id) { id tickets(first: 1) { nodes { id subject status priority createdAt updatedAt comments { id body author createdAt } } } } }`;

export interface View {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  token: string;
}

export interface CriticalRow {
  view: string;
  cache: 'off' | 'on';
  first_ms: number;
  first_round_trips: number;
  first_calls: Record<SimSystem, number>;
  p50_ms: number;
  round_trips: number;
  round_trips_by_latency: number;
  calls: Record<SimSystem, number>;
  calls_total: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

async function once(url: string, v: View): Promise<{ ms: number; errors: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${v.token}` },
    body: JSON.stringify({ query: v.query, variables: v.variables }),
  });
  const body = (await res.json()) as { errors?: unknown[] };
  return { ms: performance.now() - started, errors: body.errors?.length ?? 0 };
}

const calls = (sims: Simulators) => Object.fromEntries(SYSTEMS.map((s) => [s, sims.stats(s).total])) as Record<SimSystem, number>;

/** Sequential requests of each view against one running Portico. */
export async function criticalPath(o: {
  url: string;
  sims: Simulators;
  views: View[];
  cache: 'off' | 'on';
  runs: number;
  latencyMs: number;
}): Promise<CriticalRow[]> {
  const rows: CriticalRow[] = [];
  for (const v of o.views) {
    o.sims.resetStats();
    const first = await once(o.url, v);
    const firstRow = { ms: first.ms, trips: o.sims.roundTrips(), calls: calls(o.sims) };
    // Let write-behind cache writes land before the warm runs.
    await new Promise((r) => setTimeout(r, 300));
    const ms: number[] = [];
    const trips: number[] = [];
    let last = calls(o.sims);
    for (let i = 0; i < o.runs; i++) {
      o.sims.resetStats();
      const r = await once(o.url, v);
      if (r.errors) process.stderr.write(`  ${v.name}: ${r.errors} errors in a response\n`);
      ms.push(r.ms);
      trips.push(o.sims.roundTrips());
      last = calls(o.sims);
    }
    const p50 = median(ms);
    rows.push({
      view: v.name,
      cache: o.cache,
      first_ms: Math.round(firstRow.ms),
      first_round_trips: firstRow.trips,
      first_calls: firstRow.calls,
      p50_ms: Math.round(p50),
      round_trips: median(trips),
      round_trips_by_latency: o.latencyMs > 0 ? Math.round((p50 / o.latencyMs) * 10) / 10 : 0,
      calls: last,
      calls_total: SYSTEMS.reduce((n, s) => n + last[s], 0),
    });
  }
  return rows;
}

export function criticalViews(config: Readonly<Config>, customerId: string): View[] {
  const agent = signDevToken(config, { role: 'agent', sub: 'bench-agent', ttlSeconds: 7200 });
  return [
    { name: 'dashboard', query: '', token: signDevToken(config, { role: 'customer', sub: customerId, ttlSeconds: 7200 }) },
    { name: 'staff_list_50', query: STAFF_LIST, token: agent },
    { name: 'ticket_detail', query: TICKET_DETAIL, variables: { id: customerId }, token: agent },
  ];
}

export function printCritical(rows: CriticalRow[], latencyMs: number) {
  console.log(`\nCritical path: sequential single requests, +${latencyMs} ms per vendor call\n`);
  console.log(
    '| view | cache | first request ms | its round trips | p50 ms | round trips (counted) | p50 / latency | calls per system (hubspot/stripe/zendesk/s3) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.view} | ${r.cache} | ${r.first_ms} | ${r.first_round_trips} | ${r.p50_ms} | ${r.round_trips} | ${r.round_trips_by_latency} | ${SYSTEMS.map((s) => r.calls[s]).join(' / ')} |`,
    );
  }
}

export interface PlanRow {
  plan: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  failed_responses: number;
  rate_limited_fields: number;
  vendor_429s: number;
  vendor_429s_by_system: Record<string, number>;
}

/** Cold dashboards of many customers under load, with the simulators enforcing the plan. */
export async function planLoad(o: {
  url: string;
  sims: Simulators;
  config: Readonly<Config>;
  query: string;
  customers: string[];
  duration: number;
  connections: number;
  plan: string;
}): Promise<PlanRow> {
  const tokens = o.customers.map((id) => signDevToken(o.config, { role: 'customer', sub: id, ttlSeconds: 7200 }));
  let n = 0;
  let rateLimited = 0;
  let failed = 0;
  o.sims.resetStats();
  const refusedBefore = 0;
  const r = await autocannon({
    url: `${o.url}/graphql`,
    method: 'POST',
    connections: o.connections,
    duration: o.duration,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, 'content-type': 'application/json', authorization: `Bearer ${tokens[n++ % tokens.length]}` },
          body: JSON.stringify({ query: o.query }),
        }),
        onResponse: (status, body) => {
          if (status !== 200) failed++;
          try {
            const parsed = JSON.parse(body) as { data?: { me?: unknown }; errors?: { extensions?: { code?: string } }[] };
            if (!parsed.data?.me) failed++;
            rateLimited += (parsed.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED').length;
          } catch {
            failed++;
          }
        },
      },
    ],
  });
  const refused = SYSTEMS.reduce((k, s) => k + (o.sims.stats(s).refused ?? 0), 0) - refusedBefore;
  const bySystem = Object.fromEntries(SYSTEMS.map((s) => [s, o.sims.stats(s).refused ?? 0]));
  return {
    plan: o.plan,
    connections: o.connections,
    rps: Math.round(r.requests.average * 10) / 10,
    p50: r.latency.p50,
    p99: r.latency.p99,
    failed_responses: failed,
    rate_limited_fields: rateLimited,
    vendor_429s: refused,
    vendor_429s_by_system: bySystem,
  };
}

export function kill(p: ChildProcess): Promise<void> {
  return new Promise<void>((res) => {
    if (p.exitCode !== null) return res();
    p.once('exit', () => res());
    p.kill('SIGTERM');
  });
}
