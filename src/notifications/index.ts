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
import type { CrmPort } from '../ports/crm.js';
import type { DomainEvent } from '../ports/events.js';
import { TEMPLATE_KIND, type ChannelOutcome, type NotificationPort, type NotifyResult } from '../ports/notifications.js';
import type { Redis } from 'ioredis';
import { createEmailChannel, type EmailChannel } from './email.js';
import { createPreferenceStore, type PreferenceStore } from './preferences.js';
import { createPartnerWebhooks, type PartnerWebhooks } from './webhooks.js';

export interface Notifications extends NotificationPort {
  webhooks: PartnerWebhooks;
  email: EmailChannel;
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
}

export function createNotifications(o: NotificationsOptions): Notifications {
  const { config, audit } = o;
  const webhooks = createPartnerWebhooks({ config, logger: o.logger, redis: o.redis, partners: o.partners, audit });
  const email = createEmailChannel({
    smtpUrl: config.notifications.email.smtpUrl,
    from: config.notifications.email.from,
    redis: o.redis,
    prefix: config.keyPrefix,
    logger: o.logger,
  });
  if (!email.available)
    o.logger.info(
      config.notifications.email.smtpUrl
        ? 'customer email needs Redis (the once-only marker): none is sent'
        : 'SMTP_URL is not set: no customer email is sent',
    );
  const preferences = createPreferenceStore(o.redis, config.keyPrefix);

  const auditSend = (crmId: string, template: string, channel: string, outcome: ChannelOutcome | 'failed') =>
    audit.record(null, {
      action: 'notification.send',
      customerId: crmId,
      systems: [channel === 'email' ? 'smtp' : channel],
      fields: [],
      outcome: outcome === 'failed' ? 'failed' : 'ok',
      detail: { channel, template, result: outcome },
    });

  return {
    webhooks,
    email,
    preferences,
    async notifyCustomer(n): Promise<NotifyResult> {
      const kind = TEMPLATE_KIND[n.template];
      const prefs = await preferences.get(n.crmId);
      let outcome: ChannelOutcome;
      if (!email.available) outcome = 'no_recipient';
      else if (!prefs[kind].email) outcome = 'opted_out';
      else {
        const contact = (await o.crm.getContacts([n.crmId])).get(n.crmId);
        if (!contact?.email) outcome = 'no_recipient';
        else {
          const name = [contact.firstName, contact.lastName].filter(Boolean).join(' ') || 'there';
          try {
            outcome = await email.send({ key: n.key, to: contact.email, template: n.template, data: { name, ...n.data } });
          } catch (err) {
            await auditSend(n.crmId, n.template, 'email', 'failed').catch(() => undefined);
            throw err;
          }
        }
      }
      await auditSend(n.crmId, n.template, 'email', outcome);
      return { channels: { email: outcome } };
    },
    async publish(event) {
      await webhooks.publish(event);
    },
    startWorker: () => webhooks.startWorker(),
    async close() {
      await webhooks.close();
      email.close();
    },
  };
}
