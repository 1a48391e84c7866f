/**
 * Prometheus metrics (prom-client), served at /metrics. One registry per app, so tests and
 * several apps in one process do not share counters.
 */
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  upstreamCalls: Counter<'system' | 'route' | 'status'>;
  cacheOps: Counter<'result'>;
  graphqlRequests: Histogram<'operation' | 'outcome'>;
  webhookEvents: Counter<'system' | 'outcome'>;
  /** Automation run attempts by automation and outcome: processed, failed (an attempt), dead, deferred. */
  automationRuns: Counter<'automation' | 'outcome'>;
  /** Automation steps by automation, step and outcome (ok, failed). */
  automationSteps: Counter<'automation' | 'step' | 'outcome'>;
  /** Seconds one attempt of a step took, by automation, step and outcome (ok, failed). */
  automationStepSeconds: Histogram<'automation' | 'step' | 'outcome'>;
  /** Seconds from the triggering event to the run's end, by automation and outcome (completed, skipped, dead). */
  automationRunSeconds: Histogram<'automation' | 'outcome'>;
  /** 1 while a system's circuit breaker is open or half-open (calls fail fast), 0 when closed. */
  breakerOpen: Gauge<'system'>;
  /** HTTP responses by route and status (probes and /metrics excluded): the 5xx rate. */
  httpRequests: Counter<'route' | 'status'>;
  /** Audit entries that could not be stored: `read` (a staff or partner read, not blocking) or `write` (the action was refused). */
  auditFailures: Counter<'kind'>;
  /** Bookkeeping after a done write that Redis could not take at once (platform/deferred.ts): deferred, done, dropped. */
  deferredOps: Counter<'kind' | 'outcome'>;
  /** Audit entries kept in the local spool while Redis could not take them, and replayed from it (audit/spool.ts). */
  auditSpool: Counter<'what'>;
  /** Unhandled rejections and uncaught exceptions (platform/fatal.ts): each is a bug, and the process exits after it. */
  fatalErrors: Counter<'kind'>;
  /** Notifications (src/notifications) per channel (webhook, email, push): each message's outcome. */
  notificationDeliveries: Counter<'channel' | 'outcome'>;
  /** Every send on the wire (a webhook POST, an SMTP send, an FCM request), by channel and outcome. */
  notificationAttempts: Counter<'channel' | 'outcome'>;
  /** Seconds one send on the wire took, by channel and outcome. */
  notificationAttemptSeconds: Histogram<'channel' | 'outcome'>;
  /** Partner webhook endpoints disabled, by reason (FAILING: automatically; PARTNER, ADMIN). */
  notificationEndpointsDisabled: Counter<'reason'>;
}

/**
 * The event loop's active and idle time since the process started (performance.eventLoopUtilization),
 * as two counters: the utilization over any window is Δactive / (Δactive + Δidle), which a single
 * gauge of the lifetime ratio cannot give.
 */
function registerEventLoopTimes(registry: Registry) {
  for (const what of ['active', 'idle'] as const) {
    let reported = 0;
    new Counter({
      name: `portico_eventloop_${what}_seconds_total`,
      help: `Time the event loop has been ${what} since the process started (utilization over a window = Δactive / (Δactive + Δidle)).`,
      registers: [registry],
      collect() {
        const now = performance.eventLoopUtilization()[what] / 1000;
        if (now > reported) this.inc(now - reported);
        reported = now;
      },
    });
  }
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'portico_' });
    registerEventLoopTimes(registry);
  }
  return {
    registry,
    upstreamCalls: new Counter({
      name: 'portico_upstream_calls_total',
      help: 'Upstream HTTP attempts by system, route and status (or "error").',
      labelNames: ['system', 'route', 'status'],
      registers: [registry],
    }),
    cacheOps: new Counter({
      name: 'portico_cache_operations_total',
      help: 'Entity cache reads by result (hit, miss) and failures (error).',
      labelNames: ['result'],
      registers: [registry],
    }),
    graphqlRequests: new Histogram({
      name: 'portico_graphql_request_duration_seconds',
      help: 'GraphQL requests by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'portico_webhook_events_total',
      help: 'Vendor webhook events by system and outcome: accepted, rejected, duplicate, unavailable (503), processed, failed (an attempt), dead (dead-lettered).',
      labelNames: ['system', 'outcome'],
      registers: [registry],
    }),
    automationRuns: new Counter({
      name: 'portico_automation_runs_total',
      help: 'Automation run attempts by automation and outcome: processed, failed (an attempt), dead (dead-lettered), deferred.',
      labelNames: ['automation', 'outcome'],
      registers: [registry],
    }),
    automationSteps: new Counter({
      name: 'portico_automation_steps_total',
      help: 'Automation steps by automation, step and outcome (ok, failed).',
      labelNames: ['automation', 'step', 'outcome'],
      registers: [registry],
    }),
    automationStepSeconds: new Histogram({
      name: 'portico_automation_step_duration_seconds',
      help: 'Seconds one attempt of an automation step took (its vendor calls included), by automation, step and outcome (ok, failed).',
      labelNames: ['automation', 'step', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    automationRunSeconds: new Histogram({
      name: 'portico_automation_run_duration_seconds',
      help: "Seconds from an automation run's triggering event to its end (retries and backoff included), by automation and outcome (completed, skipped, dead).",
      labelNames: ['automation', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers: [registry],
    }),
    breakerOpen: new Gauge({
      name: 'portico_upstream_breaker_open',
      help: 'Circuit breaker per upstream system: 1 while open or half-open (calls fail fast), 0 when closed.',
      labelNames: ['system'],
      registers: [registry],
    }),
    httpRequests: new Counter({
      name: 'portico_http_requests_total',
      help: 'HTTP responses by route and status code (health probes and /metrics excluded).',
      labelNames: ['route', 'status'],
      registers: [registry],
    }),
    auditFailures: new Counter({
      name: 'portico_audit_failures_total',
      help: 'Audit entries that could not be stored in Redis: kind=read (a staff or partner read; logged) or write (the action was refused).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    deferredOps: new Counter({
      name: 'portico_deferred_operations_total',
      help: 'Bookkeeping after a write the vendor took (kind=purge: cached copies; idempotency: the kept response) that Redis could not take at once: outcome=deferred (retried in the background), done, dropped (given up after its window).',
      labelNames: ['kind', 'outcome'],
      registers: [registry],
    }),
    auditSpool: new Counter({
      name: 'portico_audit_spool_entries_total',
      help: 'Audit entries of done actions kept in the local spool (AUDIT_SPOOL_DIR) because Redis could not take them (what=spooled), and appended to the audit log from it later (what=replayed).',
      labelNames: ['what'],
      registers: [registry],
    }),
    fatalErrors: new Counter({
      name: 'portico_fatal_errors_total',
      help: 'Unhandled promise rejections (kind=unhandled_rejection) and uncaught exceptions: each is a bug; the process drains and exits with status 1 after the first.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    notificationDeliveries: new Counter({
      name: 'portico_notification_deliveries_total',
      help: 'Notification messages by channel and outcome. webhook: delivered, dead_lettered (every attempt failed), skipped (endpoint disabled or deleted, partner no longer allowed). email and push: sent, duplicate (sent before), unknown (an earlier attempt died mid-send; not sent again), opted_out, no_recipient, failed (retried by the caller).',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    notificationAttempts: new Counter({
      name: 'portico_notification_attempts_total',
      help: 'Notification sends on the wire by channel (webhook: one POST to a partner endpoint; email: one SMTP send; push: one FCM request) and outcome: ok, failed, token_dropped (push: FCM reported the token unregistered or invalid).',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    }),
    notificationAttemptSeconds: new Histogram({
      name: 'portico_notification_attempt_duration_seconds',
      help: 'Seconds one notification send on the wire took (webhook POST, SMTP send, FCM request), by channel and outcome (ok, failed, token_dropped).',
      labelNames: ['channel', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    notificationEndpointsDisabled: new Counter({
      name: 'portico_notification_endpoints_disabled_total',
      help: 'Partner webhook endpoints disabled, by reason: FAILING (every delivery failed for WEBHOOK_DISABLE_AFTER_H; automatic), PARTNER, ADMIN.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
