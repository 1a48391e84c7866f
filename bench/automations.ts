/**
 * npm run bench -- --automations [--events 300]
 *
 * The payment automations end to end, on this machine: a gateway process that only receives
 * webhooks (core 0), a worker process (`npm run worker`, core 1) running the event workers and the
 * automations, a local redis-server, and the simulators in this process (seeded with enough
 * customers). One open invoice per customer (`events` payment events in all): the Stripe simulator declines a payment
 * (`pm_card_chargeDeclined`: a signed `invoice.payment_failed`), and for every other invoice takes
 * one afterwards (`invoice.paid`). 10% of the events are delivered a second time (same id, signed
 * anew); 10% of the Zendesk and HubSpot simulators' answers fail (HTTP 500) while the events run;
 * the worker is killed (SIGKILL) when half the events are sent and a new one started.
 *
 * Then, with the faults off, read from the systems themselves: per invoice, the tickets carrying its
 * payment-failed marker in Zendesk (missing: none for an invoice still open; duplicated: more than
 * one; wrong state: an open invoice's ticket solved, or a paid one's not); per customer, the
 * billing standing in HubSpot (wrong: not `active` after a payment, not `past_due` without one);
 * per event, the run's record (lost: an expected run not completed, skipped or dead-lettered); and
 * the audit log, read as `npm run audit -- verify` reads it (the chain checked with the HMAC key,
 * then every entry parsed): per step a run's record shows done, its `automation.step` entries with
 * outcome `ok` (missing: none; duplicated: more than one, which a worker killed between a step's
 * audit entry and its checkpoint leaves, by design: docs/automations.md), and per skipped run its
 * `automation.skip` entry.
 * Prints runs/s, latency p50/p99 (the simulator's payment call -> the run's last step done) and,
 * last, one JSON line.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { paymentFailedMarker } from '../src/automations/builtins.js';
import { createRunStore, type RunRecord } from '../src/automations/runs.js';
import { auditKeys, parseEntry, verifyAuditChain } from '../src/audit/redis.js';
import { DEV_AUDIT_HMAC_KEY } from '../src/config/audit.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { createDurableQueue, jobIdOf } from '../src/platform/queue.js';
import { DEV_STRIPE_WEBHOOK_SECRET } from '../src/vendors/stripe/config.js';
import { startSimulators, vendorEnv } from '../sim/index.js';
import { start } from './webhooks.js';

const PREFIX = 'autobench';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

interface Sent {
  invoiceId: string;
  crmId: string;
  automation: 'payment-failed' | 'payment-succeeded';
  eventId: string;
  /** The Stripe event as sent, to deliver it again. */
  body: string;
  at: number;
}

export async function runAutomationsBench(o: { events: number }) {
  const redis = await startLocalRedis({ args: ['--save', '', '--appendonly', 'no'] });
  // About 60% of seeded customers have an open invoice: seed enough for one invoice per 1.5 events.
  const sims = await startSimulators({ customers: Math.max(500, Math.ceil((o.events / 1.5) * 2)) });
  const r = new Redis(redis.url);
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    ...vendorEnv(sims),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    PORT: String(port),
    SANDBOX: 'false',
    EVENT_LOCK_MS: '2000',
    EVENT_BACKOFF_MS: '50',
    EVENT_BACKOFF_MAX_MS: '1000',
    EVENT_ATTEMPTS: '10',
    UPSTREAM_BREAKER_VOLUME: '100000',
    AUTOMATION_PAYMENT_FAILED: 'true',
    AUTOMATION_PAYMENT_SUCCEEDED: 'true',
  };
  const procs: ChildProcess[] = [];
  const queues = ['automations', 'webhooks-stripe'].map((name) =>
    createDurableQueue({ name, url: redis.url, prefix: `${PREFIX}:bull`, handlers: {} }),
  );
  const runs = createRunStore({ redis: r, prefix: PREFIX, max: 1_000_000 });
  try {
    const gateway = await start('src/main.ts', 0, { ...env, EVENT_WORKERS: 'false' }, /Portico is listening/);
    procs.push(gateway);
    const startWorker = async () => {
      const w = await start('src/worker.ts', 1, env, /Event workers running/);
      procs.push(w);
      return w;
    };
    let worker = await startWorker();
    const webhookUrl = `http://127.0.0.1:${port}/webhooks/stripe`;
    sims.webhooks.configure({ stripe: { url: webhookUrl, secret: DEV_STRIPE_WEBHOOK_SECRET } });

    // One open invoice per customer; every other one paid after its failure: 1.5 events an invoice.
    const invoices = sims.data.customers
      .flatMap((c) => {
        const inv = c.invoices.find((i) => i.status === 'open');
        return inv ? [{ crmId: c.crmId, invoice: inv }] : [];
      })
      .slice(0, Math.ceil(o.events / 1.5));
    if (invoices.length < Math.ceil(o.events / 1.5))
      console.warn(`Only ${invoices.length} open invoices in the seed: ${invoices.length * 1.5} events.`);
    const paid = new Set(invoices.filter((_, i) => i % 2 === 0).map((x) => x.invoice.id));
    const plan = [
      ...invoices.map((x) => ({ ...x, pay: false })),
      ...invoices.filter((x) => paid.has(x.invoice.id)).map((x) => ({ ...x, pay: true })),
    ];
    const stripeAuth = { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' };
    const sent: Sent[] = [];
    const duplicates: Sent[] = [];
    sims.setFaults('zendesk', { failureRate: 0.1 });
    sims.setFaults('hubspot', { failureRate: 0.1 });
    const t0 = Date.now();
    for (const [i, step] of plan.entries()) {
      const before = sims.webhooks.deliveries().length;
      const at = Date.now();
      const res = await fetch(`${sims.urls.stripe}/v1/invoices/${step.invoice.id}/pay`, {
        method: 'POST',
        headers: stripeAuth,
        body: `payment_method=${step.pay ? 'pm_card_visa' : 'pm_card_chargeDeclined'}`,
      });
      if (res.status !== (step.pay ? 200 : 402)) throw new Error(`paying ${step.invoice.id}: ${res.status}`);
      const invoice = (
        step.pay
          ? await res.json()
          : await (await fetch(`${sims.urls.stripe}/v1/invoices/${step.invoice.id}`, { headers: stripeAuth })).json()
      ) as Record<string, unknown>;
      // The simulator's first delivery after the call is this payment's event.
      const d = sims.webhooks
        .deliveries()
        .slice(before)
        .find((x) => x.system === 'stripe')!;
      const type = step.pay ? 'invoice.paid' : 'invoice.payment_failed';
      const body = JSON.stringify({ id: d.eventIds[0], object: 'event', created: Math.floor(at / 1000), type, data: { object: invoice } });
      const s: Sent = {
        invoiceId: step.invoice.id,
        crmId: step.crmId,
        automation: step.pay ? 'payment-succeeded' : 'payment-failed',
        eventId: d.eventIds[0],
        body,
        at,
      };
      sent.push(s);
      if (Math.random() < 0.1) duplicates.push(s);
      if (i % 1000 === 999) console.error(`  ${i + 1} of ${plan.length} payments made (${((Date.now() - t0) / 1000).toFixed(0)} s in)`);
      if (i === Math.floor(plan.length / 2)) {
        worker.kill('SIGKILL');
        await new Promise((res2) => worker.once('exit', res2));
        worker = await startWorker();
      }
    }
    // The duplicates: the same events again, signed anew, as Stripe redelivers them.
    for (const s of duplicates) {
      const t = Math.floor(Date.now() / 1000);
      const sig = `t=${t},v1=${createHmac('sha256', DEV_STRIPE_WEBHOOK_SECRET).update(`${t}.${s.body}`).digest('hex')}`;
      const res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': sig },
        body: s.body,
      });
      if (res.status !== 200) throw new Error(`duplicate ${s.eventId}: ${res.status}`);
    }
    const busy = async () => {
      let n = 0;
      for (const q of queues) {
        const c = await q.counts();
        n += c.waiting + c.active + c.delayed;
      }
      return n;
    };
    // Settled: nothing waiting, running or scheduled, twice in a row. A large run takes minutes to
    // drain: it gives up only after STALL_MS without progress (the backlog not shrinking).
    const STALL_MS = 150_000;
    let least = Infinity;
    let progressAt = Date.now();
    let shownAt = Date.now();
    for (;;) {
      await sims.webhooks.idle();
      const n = await busy();
      if (n + (await busy()) === 0) break;
      if (n < least) {
        least = n;
        progressAt = Date.now();
      }
      if (Date.now() - shownAt > 30_000) {
        shownAt = Date.now();
        console.error(`  ${n} jobs still waiting, running or scheduled (${((Date.now() - t0) / 1000).toFixed(0)} s in)`);
      }
      if (Date.now() - progressAt > STALL_MS) throw new Error(`timed out: every event and run settled (${n} jobs left, no progress)`);
      await new Promise((res2) => setTimeout(res2, 250));
    }
    sims.setFaults('zendesk', {});
    sims.setFaults('hubspot', {});

    // Read from the systems themselves.
    const zendeskAuth = `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;
    let ticketsMissing = 0;
    let ticketsDuplicated = 0;
    let ticketsWrongState = 0;
    let crmWrong = 0;
    for (const { crmId, invoice } of invoices) {
      const t = (await (
        await fetch(`${sims.urls.zendesk}/api/v2/tickets?external_id=${encodeURIComponent(paymentFailedMarker(invoice.id))}`, {
          headers: { authorization: zendeskAuth },
        })
      ).json()) as { tickets: { status: string }[] };
      const wantSolved = paid.has(invoice.id);
      // Open after a failed payment: exactly one open ticket. Paid: none (its failed run started after the
      // payment, so its condition was false), or one, solved.
      if (t.tickets.length === 0 && !wantSolved) ticketsMissing++;
      if (t.tickets.length > 1) ticketsDuplicated++;
      if (t.tickets.length === 1 && (t.tickets[0].status === 'solved') !== wantSolved) ticketsWrongState++;
      const p = (await (
        await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}?properties=portico_billing_standing`, {
          headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` },
        })
      ).json()) as { properties: Record<string, string | null> };
      if (p.properties.portico_billing_standing !== (wantSolved ? 'active' : 'past_due')) crmWrong++;
    }
    const records = new Map<string, RunRecord | null>();
    for (const s of sent) {
      const id = jobIdOf(s.automation, `stripe:${s.eventId}`);
      records.set(id, await runs.get(id));
    }
    const ended = [...records.values()].filter((x): x is RunRecord => !!x && ['COMPLETED', 'SKIPPED', 'DEAD'].includes(x.status));
    const runsLost = sent.length - ended.length;
    const dead = ended.filter((x) => x.status === 'DEAD').length;
    const sentAt = new Map(sent.map((s) => [jobIdOf(s.automation, `stripe:${s.eventId}`), s.at]));
    const latencies = ended.filter((x) => x.finishedAt).map((x) => Date.parse(x.finishedAt!) - sentAt.get(x.id)!);
    // The audit log, as `npm run audit -- verify` reads it: the chain first, then each entry.
    const chain = await verifyAuditChain(r, PREFIX, DEV_AUDIT_HMAC_KEY);
    const stepEntries = new Map<string, number>();
    for (let start = '-'; ;) {
      const rows = (await r.xrange(auditKeys(PREFIX).stream, start, '+', 'COUNT', 1000)) as [string, string[]][];
      for (const row of rows) {
        const e = parseEntry(row);
        if (!e?.detail || e.outcome !== 'ok' || (e.action !== 'automation.step' && e.action !== 'automation.skip')) continue;
        const k = `${String(e.detail.automation)}\n${String(e.detail.event)}\n${e.action === 'automation.skip' ? '(skip)' : String(e.detail.step)}`;
        stepEntries.set(k, (stepEntries.get(k) ?? 0) + 1);
      }
      if (rows.length < 1000) break;
      start = `(${rows.at(-1)![0]}`;
    }
    let auditExpected = 0;
    let auditMissing = 0;
    let auditDuplicated = 0;
    for (const run of ended) {
      const done = run.status === 'SKIPPED' ? ['(skip)'] : run.steps.filter((x) => x.outcome !== 'FAILED').map((x) => x.name);
      for (const step of done) {
        auditExpected++;
        const n = stepEntries.get(`${run.automation}\n${run.trigger.eventId}\n${step}`) ?? 0;
        if (n === 0) auditMissing++;
        if (n > 1) auditDuplicated++;
      }
    }
    const lastEnd = Math.max(...ended.map((x) => Date.parse(x.finishedAt ?? '') || 0));
    const runsPerS = ended.length / ((lastEnd - t0) / 1000);
    console.log(`
| events | distinct | duplicates | vendor faults | worker killed | runs/s | latency p50 ms | latency p99 ms | runs lost | dead | tickets missing | tickets duplicated | tickets wrong state | CRM wrong | audit missing | audit duplicated |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| ${sent.length + duplicates.length} | ${sent.length} | ${duplicates.length} | 10% Zendesk, HubSpot | at event ${Math.floor(plan.length / 2)} | ${runsPerS.toFixed(1)} | ${pct(latencies, 50)} | ${pct(latencies, 99)} | ${runsLost} | ${dead} | ${ticketsMissing} | ${ticketsDuplicated} | ${ticketsWrongState} | ${crmWrong} | ${auditMissing} | ${auditDuplicated} |
`);
    console.log(
      `Audit log: chain ${chain.broken ? `BROKEN at ${chain.broken.id}: ${chain.broken.reason}` : 'OK'} (${chain.checked} entries); ${auditExpected} step entries expected (steps done and skipped runs).`,
    );
    console.log(
      JSON.stringify({
        events: sent.length + duplicates.length,
        distinct_events: sent.length,
        invoices: invoices.length,
        runs_per_s: +runsPerS.toFixed(1),
        latency_p50_ms: pct(latencies, 50),
        latency_p99_ms: pct(latencies, 99),
        runs_dead: dead,
        tickets_wrong_state: ticketsWrongState,
        runs_lost: runsLost,
        tickets_missing: ticketsMissing,
        tickets_duplicated: ticketsDuplicated,
        crm_wrong: crmWrong,
        audit_chain_ok: !chain.broken,
        audit_expected: auditExpected,
        audit_missing: auditMissing,
        audit_duplicated: auditDuplicated,
      }),
    );
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await Promise.all(queues.map((q) => q.close()));
    r.disconnect();
    await sims.close();
    await redis.stop();
  }
}
