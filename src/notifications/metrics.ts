/**
 * What the notification channels count, as one small object the channels call: Prometheus
 * counters and a histogram when the app has metrics (src/platform/metrics.ts), nothing otherwise
 * (the worker without /metrics, benches, unit tests).
 */
import type { Metrics } from '../platform/metrics.js';

export type NotificationChannel = 'webhook' | 'email' | 'push';
export type AttemptOutcome = 'ok' | 'failed' | 'token_dropped';

export interface NotificationMeter {
  /** One send on the wire and how long it took. */
  attempt(channel: NotificationChannel, outcome: AttemptOutcome, seconds: number): void;
  /** A message's outcome (see portico_notification_deliveries_total). */
  delivery(channel: NotificationChannel, outcome: string): void;
  endpointDisabled(reason: 'FAILING' | 'PARTNER' | 'ADMIN'): void;
}

export function createNotificationMeter(metrics: Metrics | undefined): NotificationMeter {
  if (!metrics) return { attempt: () => undefined, delivery: () => undefined, endpointDisabled: () => undefined };
  return {
    attempt(channel, outcome, seconds) {
      metrics.notificationAttempts.inc({ channel, outcome });
      metrics.notificationAttemptSeconds.observe({ channel, outcome }, seconds);
    },
    delivery: (channel, outcome) => metrics.notificationDeliveries.inc({ channel, outcome }),
    endpointDisabled: (reason) => metrics.notificationEndpointsDisabled.inc({ reason }),
  };
}
