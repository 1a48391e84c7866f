/**
 * The notification fields of the admin subgraph (schema/admin.graphql, "Notifications"): partner
 * webhook endpoints (a partner's own, an admin's all) and a customer's preferences. Thin: each
 * resolver maps the caller to an owner and calls webhooks.ts or preferences.ts; endpoint changes
 * are audited.
 */
import { audited, type AuditEvent, type AuditLog } from '../audit/index.js';
import type { RequestContext } from '../auth/context.js';
import type { PartnerStore } from '../auth/partners.js';
import { ownCustomerId } from '../auth/principal.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../errors/index.js';
import type { NotificationChannel as GqlChannel, NotificationKind as GqlKind, Resolvers } from '../generated/admin.js';
import { checkFirst } from '../platform/pagination.js';
import { NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, type NotificationChannel, type NotificationKind } from '../ports/notifications.js';
import { WEBHOOK_EVENT_TYPES } from './catalogue.js';
import { PreferenceError, type Preferences, type PreferenceStore } from './preferences.js';
import { checkEndpointUrl, UnsafeUrlError } from './ssrf.js';
import type { DevicePlatform, PushChannel } from './push.js';
import {
  EndpointInputError,
  EndpointNotFoundError,
  messageIdOf,
  type EndpointRecord,
  type Owner,
  type PartnerWebhooks,
} from './webhooks.js';

export interface NotificationResolverDeps {
  webhooks: PartnerWebhooks;
  preferences: PreferenceStore;
  push: Pick<PushChannel, 'register' | 'unregister'>;
  partners: PartnerStore;
  audit: AuditLog;
  /** Accept http and private addresses (WEBHOOK_ALLOW_PRIVATE_URLS, development). */
  allowPrivateUrls: boolean;
}

type R = Pick<Required<Resolvers>, 'Query' | 'Mutation'>;

export function notificationResolvers(d: NotificationResolverDeps): { Query: Partial<R['Query']>; Mutation: Partial<R['Mutation']> } {
  const ownerOf = async (ctx: RequestContext): Promise<Owner> => {
    const p = ctx.principal;
    if (p.kind === 'partner') {
      const record = await d.partners.get(p.partnerId);
      if (!record) throw new ForbiddenError();
      return { kind: 'partner', partnerId: p.partnerId, partner: record };
    }
    if (p.kind === 'user' && p.roles.includes('admin')) return { kind: 'admin' };
    throw new ForbiddenError('Webhook endpoints are managed with a partner token (or by an admin).');
  };
  /** The webhook module's errors as the API's. */
  const api = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      if (err instanceof EndpointNotFoundError) throw new NotFoundError(err.message);
      if (err instanceof EndpointInputError || err instanceof UnsafeUrlError) throw new BadUserInputError(err.message);
      throw err;
    }
  };
  const audit = <T>(
    ctx: RequestContext,
    e: Omit<AuditEvent, 'outcome' | 'systems' | 'fields'> & { fields?: string[] },
    run: () => Promise<T>,
  ) => audited(d.audit, ctx, { systems: ['portico'], fields: [], ...e }, () => api(run));
  const view = (e: EndpointRecord) => ({
    id: e.id,
    partnerId: e.partnerId,
    url: e.url,
    eventTypes: e.eventTypes,
    status: e.status,
    disabledReason: e.disabledReason ?? null,
    createdAt: e.createdAt,
  });
  const checkUrl = (url: string) => checkEndpointUrl(url, { allowPrivate: d.allowPrivateUrls });
  const toList = (p: Preferences) =>
    NOTIFICATION_KINDS.flatMap((kind) =>
      NOTIFICATION_CHANNELS.map((channel) => ({
        kind: kind.toUpperCase() as GqlKind,
        channel: channel.toUpperCase() as GqlChannel,
        enabled: p[kind][channel],
      })),
    );
  const customerOf = (ctx: RequestContext) => {
    const id = ownCustomerId(ctx.principal);
    if (!id) throw new ForbiddenError('Notification preferences are set with a customer token.');
    return id;
  };

  return {
    Query: {
      webhookEventTypes: () => WEBHOOK_EVENT_TYPES.map((t) => ({ ...t, scopes: [...t.scopes] })),
      webhookEndpoints: async (_s, _a, ctx) => (await d.webhooks.list(await ownerOf(ctx))).map(view),
      webhookDeliveries: async (_s, { endpointId, first }, ctx) => {
        const n = checkFirst(first, 20);
        const log = await api(async () => d.webhooks.deliveries(await ownerOf(ctx), endpointId, n));
        return log.map((a) => ({
          at: a.at,
          messageId: a.messageId,
          eventType: a.type,
          attempt: a.attempt,
          statusCode: a.status,
          delivered: a.delivered,
          error: a.error,
          durationMs: a.ms,
        }));
      },
      failedWebhookDeliveries: async (_s, { endpointId }, ctx) => {
        const dead = await api(async () => d.webhooks.dead(await ownerOf(ctx), endpointId));
        return dead.map((j) => ({ messageId: messageIdOf(j.eventId), eventType: j.type, attempts: j.attempts, lastError: j.lastError }));
      },
      notificationPreferences: async (_s, _a, ctx) => toList(await d.preferences.get(customerOf(ctx))),
    },
    Mutation: {
      createWebhookEndpoint: async (_s, { input }, ctx) => {
        const owner = await ownerOf(ctx);
        const r = await audit(ctx, { action: 'webhookEndpoint.create', fields: ['url', 'eventTypes'] }, () =>
          d.webhooks.create(owner, input, checkUrl),
        );
        return { endpoint: view(r.endpoint), secret: r.secret };
      },
      disableWebhookEndpoint: async (_s, { id }, ctx) => {
        const owner = await ownerOf(ctx);
        return view(
          await audit(ctx, { action: 'webhookEndpoint.disable', fields: ['status'], detail: { endpointId: id } }, () =>
            d.webhooks.setStatus(owner, id, 'DISABLED'),
          ),
        );
      },
      enableWebhookEndpoint: async (_s, { id }, ctx) => {
        const owner = await ownerOf(ctx);
        return view(
          await audit(ctx, { action: 'webhookEndpoint.enable', fields: ['status'], detail: { endpointId: id } }, () =>
            d.webhooks.setStatus(owner, id, 'ENABLED'),
          ),
        );
      },
      rotateWebhookEndpointSecret: async (_s, { id }, ctx) => {
        const owner = await ownerOf(ctx);
        const r = await audit(ctx, { action: 'webhookEndpoint.rotate', fields: ['secret'], detail: { endpointId: id } }, () =>
          d.webhooks.rotate(owner, id),
        );
        return { endpoint: view(r.endpoint), secret: r.secret };
      },
      sendTestWebhookEvent: async (_s, { id }, ctx) => {
        const owner = await ownerOf(ctx);
        return api(() => d.webhooks.sendTest(owner, id));
      },
      replayWebhookDeliveries: async (_s, { endpointId }, ctx) => {
        const owner = await ownerOf(ctx);
        return audit(ctx, { action: 'webhookEndpoint.replay', detail: { endpointId } }, () => d.webhooks.replay(owner, endpointId));
      },
      registerDevice: async (_s, { platform, token }, ctx) => {
        const crmId = customerOf(ctx);
        if (!/^[\w:.-]{20,4096}$/.test(token))
          throw new BadUserInputError('token is the FCM registration token the app obtained (20 to 4096 characters).', 'token');
        await audited(
          d.audit,
          ctx,
          { action: 'device.register', customerId: crmId, systems: ['portico'], fields: ['platform'], detail: { platform } },
          () => d.push.register(crmId, platform.toLowerCase() as DevicePlatform, token),
        );
        return true;
      },
      unregisterDevice: async (_s, { token }, ctx) => {
        const crmId = customerOf(ctx);
        return audited(d.audit, ctx, { action: 'device.unregister', customerId: crmId, systems: ['portico'], fields: [] }, () =>
          d.push.unregister(crmId, token),
        );
      },
      updateNotificationPreferences: async (_s, { input }, ctx) => {
        const crmId = customerOf(ctx);
        if (input.length > 50) throw new BadUserInputError('At most 50 preferences at once.', 'input');
        const changes = input.map((i) => ({
          kind: i.kind.toLowerCase() as NotificationKind,
          channel: i.channel.toLowerCase() as NotificationChannel,
          enabled: i.enabled,
        }));
        const prefs = await audited(
          d.audit,
          ctx,
          {
            action: 'notificationPreferences.update',
            customerId: crmId,
            systems: ['portico'],
            fields: changes.map((c) => `${c.kind}.${c.channel}`),
          },
          async () => {
            try {
              return await d.preferences.update(crmId, changes);
            } catch (err) {
              if (err instanceof PreferenceError) throw new BadUserInputError(err.message, 'input');
              throw err;
            }
          },
        );
        return toList(prefs);
      },
    },
  };
}
