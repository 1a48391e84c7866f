/**
 * Outbound notifications: partner webhooks (webhooks.ts) and customer messages through the
 * notification port (src/ports/notifications.ts): email over SMTP today, with per-kind preferences,
 * once per key, every send audited (channel, template, customer, outcome; never the body).
 * Built by createBackground, so the gateway and `npm run worker` both run the delivery worker.
 */
import type { AuditLog } from '../audit/index.js';
import type { PartnerStore } from '../auth/partners.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import type { CrmPort } from '../ports/crm.js';
import type { DomainEvent } from '../ports/events.js';
import { createHash } from 'node:crypto';
import { TEMPLATE_KIND, type ChannelOutcome, type NotificationPort, type NotifyResult } from '../ports/notifications.js';
import type { Redis } from 'ioredis';
import { createEmailChannel, type EmailChannel } from './email.js';
import { createNotificationMeter } from './metrics.js';
import { createPreferenceStore, type PreferenceStore } from './preferences.js';
import { createPushChannel, type PushChannel } from './push.js';
import { createPartnerWebhooks, type PartnerWebhooks } from './webhooks.js';

export interface Notifications extends NotificationPort {
  webhooks: PartnerWebhooks;
  email: EmailChannel;
  push: PushChannel;
  preferences: PreferenceStore;
  /** Every domain event: fanned out to the partner endpoints that may receive it. */
  publish(event: DomainEvent): Promise<void>;
  startWorker(): void;
  close(): Promise<void>;
}

export interface NotificationsOptions {
  config: Readonly<Config>;
  logger: Logger;
  redis?: Redis;
  partners: PartnerStore;
  audit: AuditLog;
  /** Where a customer's address and name come from. */
  crm: Pick<CrmPort, 'getContacts'>;
  /** /metrics: deliveries, attempts and their duration per channel, endpoints disabled. */
  metrics?: Metrics;
}

export function createNotifications(o: NotificationsOptions): Notifications {
  const { config, audit } = o;
  const meter = createNotificationMeter(o.metrics);
  const webhooks = createPartnerWebhooks({ config, logger: o.logger, redis: o.redis, partners: o.partners, audit, meter });
  const emailChannel = createEmailChannel({
    smtpUrl: config.notifications.email.smtpUrl,
    from: config.notifications.email.from,
    redis: o.redis,
    prefix: config.keyPrefix,
    logger: o.logger,
    meter,
  });
  if (!emailChannel.available)
    o.logger.info(
      config.notifications.email.smtpUrl
        ? 'customer email needs Redis (the once-only marker): none is sent'
        : 'SMTP_URL is not set: no customer email is sent',
    );
  const preferences = createPreferenceStore(o.redis, config.keyPrefix);
  const push = createPushChannel({ fcm: config.notifications.push, redis: o.redis, prefix: config.keyPrefix, logger: o.logger, meter });

  const auditSend = (crmId: string, template: string, channel: string, outcome: ChannelOutcome | 'failed') =>
    audit.record(null, {
      action: 'notification.send',
      customerId: crmId,
      systems: [channel === 'email' ? 'smtp' : 'fcm'],
      fields: [],
      outcome: outcome === 'failed' ? 'failed' : 'ok',
      detail: { channel, template, result: outcome },
    });

  // Admin notices once per key: a marker in Redis (process memory without it), claimed before the
  // notice and released when its audit entry cannot be written (the retry tells it then).
  const told = new Set<string>();
  const noticeMarker = (key: string) => `${config.keyPrefix}:admin-notice:${createHash('sha256').update(key).digest('base64url')}`;
  const claimNotice = async (key: string) => {
    if (o.redis) return (await o.redis.set(noticeMarker(key), '1', 'EX', 90 * 86_400, 'NX')) === 'OK';
    if (told.has(key)) return false;
    told.add(key);
    return true;
  };
  const releaseNotice = async (key: string) => {
    if (o.redis) await o.redis.del(noticeMarker(key));
    else told.delete(key);
  };

  return {
    webhooks,
    email: emailChannel,
    push,
    preferences,
    async notifyCustomer(n): Promise<NotifyResult> {
      const kind = TEMPLATE_KIND[n.template];
      const prefs = await preferences.get(n.crmId);
      // Each channel on its own: a failure is audited and thrown after the others ran (the retry
      // finds what was sent by its marker), so one channel being down never holds another back.
      const run = async (channel: 'email' | 'push', send: () => Promise<ChannelOutcome>): Promise<ChannelOutcome | Error> => {
        try {
          const outcome = await send();
          meter.delivery(channel, outcome);
          await auditSend(n.crmId, n.template, channel, outcome);
          return outcome;
        } catch (err) {
          meter.delivery(channel, 'failed');
          await auditSend(n.crmId, n.template, channel, 'failed').catch(() => undefined);
          return err as Error;
        }
      };
      const email = await run('email', async () => {
        if (!emailChannel.available) return 'no_recipient';
        if (!prefs[kind].email) return 'opted_out';
        const contact = (await o.crm.getContacts([n.crmId])).get(n.crmId);
        if (!contact?.email) return 'no_recipient';
        const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ') || 'there';
        return emailChannel.send({ key: n.key, to: contact.email, template: n.template, data: { name, ...n.data } });
      });
      const pushed = push.available
        ? await run('push', async () => {
            if (!prefs[kind].push) return 'opted_out';
            const title = emailChannel.subject(n.template, { name: '', ...n.data });
            return push.send({ key: n.key, crmId: n.crmId, template: n.template, title, data: n.data });
          })
        : undefined;
      const failed = [email, pushed].find((x): x is Error => x instanceof Error);
      if (failed) throw failed;
      return { channels: { email: email as ChannelOutcome, ...(pushed ? { push: pushed as ChannelOutcome } : {}) } };
    },
    async notifyAdmins(n) {
      if (!(await claimNotice(n.key))) return 'duplicate';
      try {
        // The admin notice, as the partner endpoint auto-disable's: a log line and an audit entry admins list.
        await audit.record(null, {
          action: 'admin.notice',
          customerId: n.customerId,
          systems: ['portico'],
          fields: [],
          outcome: 'ok',
          detail: { notice: n.kind, message: n.message, ...n.data },
        });
      } catch (err) {
        await releaseNotice(n.key).catch(() => undefined);
        throw err;
      }
      o.logger.info({ notice: n.kind, customerId: n.customerId, ...n.data }, `admin notice: ${n.message}`);
      return 'sent';
    },
    async publish(event) {
      await webhooks.publish(event);
    },
    startWorker: () => webhooks.startWorker(),
    async close() {
      await webhooks.close();
      emailChannel.close();
    },
  };
}
