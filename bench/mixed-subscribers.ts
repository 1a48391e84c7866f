/**
 * Subscribers beside the mixed load (bench/mixed-run.ts): customers' apps holding `customerChanged`
 * over WebSocket (graphql-ws), as a real app does: a subscription refused with a retryable code
 * (RATE_LIMITED, UPSTREAM_*, UNAVAILABLE, OVERLOADED) or a connection closed with a retryable close code
 * (1013 Redis away, 1001 shutdown, 4413 too slow) subscribes again after a second. Counted:
 * pushes, pushes naming another customer (must be 0), retryable ends by code, and **bad ends**: a
 * subscription completed by the server, or ended with a code no app can retry (must be 0: the
 * vendors' rate limits and a Redis fault must never end a subscription for good).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { signDevToken } from '../src/auth/tokens.js';
import type { Config } from '../src/config/index.js';

const QUERY = `subscription Mine { customerChanged { reason { system type } customer { id billing { balance invoices(first: 5) { nodes { id status } } } } } }`;
const RETRYABLE_CODES = new Set(['RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UNAVAILABLE', 'OVERLOADED']);
const RETRYABLE_CLOSES = new Set([1013, 1001, 4413, 1006]);

export interface SubscriberStats {
  subscribers: number;
  pushes: number;
  /** Pushes whose customer is not the subscriber's. */
  wrongCustomer: number;
  /** Retryable ends (refusal codes and close codes), each followed by a new subscription. */
  retried: Record<string, number>;
  /** Ends no app can recover from by retrying (completed by the server, or a code not retryable). */
  bad: Record<string, number>;
}

export function startSubscribers(o: { url: string; config: Readonly<Config>; customers: readonly string[] }) {
  const stats: SubscriberStats = { subscribers: o.customers.length, pushes: 0, wrongCustomer: 0, retried: {}, bad: {} };
  const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  let stopped = false;
  const clients = new Set<Client>();

  function connect(customer: string) {
    if (stopped) return;
    const token = signDevToken(o.config, { role: 'customer', sub: customer, ttlSeconds: 3600 });
    let again = false;
    const retry = (why: string) => {
      if (again || stopped) return;
      again = true;
      count(stats.retried, why);
      clients.delete(client);
      void client.dispose();
      setTimeout(() => connect(customer), 1000).unref();
    };
    const client = createClient({
      url: `${o.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      on: {
        closed: (e) => {
          if (stopped || again) return;
          const code = (e as { code?: number }).code ?? 0;
          if (RETRYABLE_CLOSES.has(code)) retry(`close ${code}`);
          else {
            count(stats.bad, `close ${code}`);
            again = true;
          }
        },
      },
    });
    clients.add(client);
    client.subscribe(
      { query: QUERY },
      {
        next: (v) => {
          stats.pushes++;
          const id = (v.data as { customerChanged?: { customer?: { id?: string } | null } } | null)?.customerChanged?.customer?.id;
          if (id !== undefined && id !== customer) stats.wrongCustomer++;
        },
        error: (err) => {
          if (stopped || again) return;
          const code = Array.isArray(err) ? String((err[0] as { extensions?: { code?: string } })?.extensions?.code) : undefined;
          if (code && RETRYABLE_CODES.has(code)) retry(code);
          else if (!code)
            return; // a socket error: the close above decides
          else {
            count(stats.bad, code);
            again = true;
          }
        },
        complete: () => {
          if (stopped || again) return;
          count(stats.bad, 'completed by the server');
          again = true;
        },
      },
    );
  }

  for (const c of o.customers) connect(c);
  return {
    stats,
    async stop() {
      stopped = true;
      await Promise.all([...clients].map(async (c) => c.dispose()));
    },
  };
}
