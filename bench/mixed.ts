/**
 * A steady mixed load of many principals, open loop (a fixed request rate, not "as fast as the
 * server answers"), the shape of a portal's busy hour: dashboards of distinct customers and, one
 * request in `staffShare`, the staff list of 50 for one of several agents; optionally, one in
 * `writeShare` a customer's contact write (with an Idempotency-Key) and one in `eventShare` a
 * signed vendor webhook. At the vendors' plan
 * limits this is what a bad day looks like; used by `npm run bench -- --mixed` (bench/run.ts) and by
 * test/integration/load-limits.test.ts (the process must stay up and every answer must be a 200
 * with data or RATE_LIMITED fields).
 */
import { Pool } from 'undici';
import type { Config } from '../src/config/index.js';
import { signDevToken } from '../src/auth/tokens.js';
import { STAFF_LIST } from './critical.js';

export const MIXED_DASHBOARD = `query Dashboard { me { id name email
  billing { balance currency subscription { status } invoices(first: 5) { nodes { id number status amountDue } } }
  tickets(first: 5) { nodes { id subject status comments { id body } } }
  documents(first: 5) { nodes { id name } } } }`;

export interface MixedLoadOptions {
  url: string;
  config: Readonly<Config>;
  /** Requests started per second. */
  rate: number;
  /** Most requests in flight; a tick finding them all busy is counted as `skipped` (the server is behind). */
  connections: number;
  durationS: number;
  /** Customers whose dashboards are asked for, e.g. 1001..1500. @default 1001..1500 */
  customers?: readonly string[];
  /** Agents asking for their staff list. @default 10 */
  agents?: number;
  /** Share of requests that are staff lists. @default 0.1 */
  staffShare?: number;
  /** Share of requests that are `updateMyContact` writes (a new phone, a new Idempotency-Key each). @default 0 */
  writeShare?: number;
  /** Share of requests that are vendor webhooks, as `event()` builds them (a 2xx is ok). @default 0 */
  eventShare?: number;
  event?: () => { path: string; headers: Record<string, string>; body: string };
  /** Called every `everyS` seconds with the figures so far. */
  onProgress?: (s: MixedLoadStats, elapsedS: number) => void;
  everyS?: number;
  /** Stops early (e.g. the gateway process exited). */
  stopped?: () => boolean;
}

export interface MixedLoadStats {
  sent: number;
  /** By kind: reads (dashboards, staff lists), writes, webhook events. */
  kinds?: Record<string, number>;
  /** 200 with data, every error (if any) RATE_LIMITED; or 200 with only RATE_LIMITED errors (a refused root field). */
  ok: number;
  /** Fields answered RATE_LIMITED (within ok responses). */
  rateLimitedFields: number;
  /**
   * Refused before anything was done, retryable: a write answered 503 with Retry-After (its key or
   * its audit entry could not be stored, so nothing was sent), a webhook answered 503 (not stored; the vendor
   * sends it again). What a Redis outage must look like. Also a read or write answered 503 OVERLOADED
   * with Retry-After (MAX_OPERATIONS_IN_FLIGHT: nothing ran).
   */
  refused: number;
  /** Anything else, by `status:code` (e.g. `500:INTERNAL_SERVER_ERROR`, `0:ECONNREFUSED`). */
  bad: Record<string, number>;
  /** Every write: whose contact, the phone it set (unique per write) and how it was answered. */
  writes: { customer: string; phone: string; outcome: 'ok' | 'refused' | 'bad'; endedAt: number }[];
  skipped: number;
  latenciesMs: number[];
}

export function badCount(s: MixedLoadStats): number {
  return Object.values(s.bad).reduce((a, b) => a + b, 0);
}

export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function runMixedLoad(o: MixedLoadOptions): Promise<MixedLoadStats> {
  const customers = o.customers ?? Array.from({ length: 500 }, (_x, i) => String(1001 + i));
  const agents = Array.from({ length: o.agents ?? 10 }, (_x, i) => `agent-${i + 1}`);
  const tokenOf = new Map<string, string>();
  const token = (role: 'customer' | 'agent', sub: string) => {
    const k = `${role}:${sub}`;
    let t = tokenOf.get(k);
    if (!t) tokenOf.set(k, (t = signDevToken(o.config, { role, sub, ttlSeconds: 3600 })));
    return t;
  };
  const pool = new Pool(o.url, { connections: o.connections, pipelining: 1 });
  const s: MixedLoadStats = { sent: 0, ok: 0, rateLimitedFields: 0, refused: 0, bad: {}, skipped: 0, latenciesMs: [], writes: [] };
  const bad = (k: string) => (s.bad[k] = (s.bad[k] ?? 0) + 1);
  const staffShare = o.staffShare ?? 0.1;
  const writeShare = o.writeShare ?? 0;
  const eventShare = o.event ? (o.eventShare ?? 0) : 0;
  let inflight = 0;
  let n = 0;
  /** The request of the i-th tick: a webhook, a write, a staff list or a dashboard. */
  const requestOf = (i: number) => {
    const pick = Math.random();
    if (pick < eventShare) {
      const e = o.event!();
      return { kind: 'event' as const, path: e.path, headers: { 'content-type': 'application/json', ...e.headers }, body: e.body };
    }
    const customer = customers[i % customers.length];
    const graphql = (role: 'customer' | 'agent', sub: string, body: object, headers: Record<string, string> = {}) => ({
      path: '/graphql',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token(role, sub)}`, ...headers },
      body: JSON.stringify(body),
    });
    if (pick < eventShare + writeShare) {
      const phone = `+1555${String(i % 10_000_000).padStart(7, '0')}`;
      const write = {
        query: 'mutation Write($p: String!) { updateMyContact(input: { phone: $p }) { id phone } }',
        variables: { p: phone },
      };
      return {
        kind: 'write' as const,
        customer,
        phone,
        ...graphql('customer', customer, write, { 'idempotency-key': `soak-${i}-${Date.now()}` }),
      };
    }
    if (pick < eventShare + writeShare + staffShare)
      return { kind: 'read' as const, ...graphql('agent', agents[i % agents.length], { query: STAFF_LIST }) };
    return { kind: 'read' as const, ...graphql('customer', customer, { query: MIXED_DASHBOARD }) };
  };
  const one = async () => {
    const req = requestOf(n++);
    const started = performance.now();
    inflight++;
    s.sent++;
    (s.kinds ??= {})[req.kind] = (s.kinds[req.kind] ?? 0) + 1;
    try {
      const res = await pool.request({
        path: req.path,
        method: 'POST',
        headers: req.headers,
        body: req.body,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const text = await res.body.text();
      if (req.kind === 'event') {
        if (res.statusCode >= 200 && res.statusCode < 300) s.ok++;
        else if (res.statusCode === 503) s.refused++;
        else bad(`${res.statusCode}:webhook`);
        return;
      }
      let body: { data?: unknown; errors?: { extensions?: { code?: string } }[] } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        bad(`${res.statusCode}:not-json`);
        return;
      }
      const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
      const other = codes.find((c) => c !== 'RATE_LIMITED');
      if (req.kind === 'write') {
        const written = (body.data as { updateMyContact?: { phone?: string } } | null | undefined)?.updateMyContact;
        const done = res.statusCode === 200 && codes.length === 0 && written?.phone === req.phone;
        // Refused before anything was sent: the audit log or the idempotency store was unreachable (503,
        // Retry-After), or the CRM's budget.
        const refused =
          (res.statusCode === 503 &&
            res.headers['retry-after'] !== undefined &&
            codes.some((c) => c === 'AUDIT_UNAVAILABLE' || c === 'IDEMPOTENCY_UNAVAILABLE' || c === 'OVERLOADED')) ||
          (res.statusCode === 200 && !written && codes.length > 0 && !other);
        s.writes.push({
          customer: req.customer,
          phone: req.phone,
          outcome: done ? 'ok' : refused ? 'refused' : 'bad',
          endedAt: performance.now(),
        });
        if (done) s.ok++;
        else if (refused) s.refused++;
        else bad(`${res.statusCode}:${other ?? 'NO_DATA'}:write`);
        return;
      }
      // A root field the budget refused (the staff list's search) is `data: null` with RATE_LIMITED: a defined answer too.
      if (res.statusCode === 200 && (body.data || codes.length) && !other) {
        s.ok++;
        s.rateLimitedFields += codes.length;
      } else if (res.statusCode === 503 && res.headers['retry-after'] !== undefined && other === 'OVERLOADED') {
        // The instance's operations in flight were at MAX_OPERATIONS_IN_FLIGHT and its queue full or too slow: nothing ran.
        s.refused++;
      } else bad(`${res.statusCode}:${other ?? 'NO_DATA'}`);
    } catch (err) {
      bad(`0:${(err as { code?: string }).code ?? (err as Error).name}`);
    } finally {
      inflight--;
      s.latenciesMs.push(performance.now() - started);
    }
  };
  const started = performance.now();
  const everyMs = (o.everyS ?? 10) * 1000;
  let nextReport = everyMs;
  const running = new Set<Promise<void>>();
  const intervalMs = 1000 / o.rate;
  for (let k = 0; ; k++) {
    const due = started + k * intervalMs;
    const now = performance.now();
    if (now - started >= o.durationS * 1000 || o.stopped?.()) break;
    if (due > now) await new Promise((r) => setTimeout(r, due - now));
    if (inflight >= o.connections) s.skipped++;
    else {
      const p = one();
      running.add(p);
      void p.finally(() => running.delete(p));
    }
    if (performance.now() - started >= nextReport) {
      o.onProgress?.(s, Math.round((performance.now() - started) / 1000));
      nextReport += everyMs;
    }
  }
  await Promise.all(running);
  await pool.close();
  s.latenciesMs.sort((a, b) => a - b);
  return s;
}
