/**
 * Zendesk: event webhooks (`zen:event-type:...`) signed with X-Zendesk-Webhook-Signature over
 * the timestamp header + raw body. The event's `id` is the dedupe key. The handler re-reads the
 * ticket's requester and the requester's external id (our CRM id), then drops that customer's
 * first ticket page and the ticket's comments.
 */
import { supportKeys, supportTicketKeys } from '../../subgraphs/support/index.js';
import { header, parseJson, WebhookRejected } from '../../webhooks/verify.js';
import type { WebhookReceiver } from '../types.js';
import { verifyZendesk } from './signature.js';
import type { EventHandlerDeps, ReceivedEvent, WebhookRequest } from '../../webhooks/types.js';

export interface ZendeskEventData {
  id: string;
  type: string;
  /** e.g. `zen:ticket:123`, `zen:user:456`. */
  subject: string;
  requesterId: number | null;
  externalId: string | null;
  /** The ticket's status in the event (`SOLVED`, ...); absent in jobs stored before it was kept. */
  status?: string | null;
  /** The event's time, ISO 8601. */
  time?: string;
}

export function verifyZendeskRequest(req: WebhookRequest, secret: string): void {
  verifyZendesk({
    body: req.body,
    timestamp: header(req.headers, 'x-zendesk-webhook-signature-timestamp'),
    signature: header(req.headers, 'x-zendesk-webhook-signature'),
    secret,
    nowMs: req.nowMs,
  });
}

export function parseZendesk(req: WebhookRequest): ReceivedEvent<ZendeskEventData>[] {
  const e = parseJson(req.body) as {
    id?: unknown;
    type?: unknown;
    subject?: unknown;
    time?: unknown;
    detail?: { requester_id?: unknown; external_id?: unknown; status?: unknown };
  };
  if (typeof e?.id !== 'string' || !/^[\w-]{1,100}$/.test(e.id) || typeof e.type !== 'string' || typeof e.subject !== 'string')
    throw new WebhookRejected('not a Zendesk event');
  const requester = Number(e.detail?.requester_id);
  const data: ZendeskEventData = {
    id: e.id,
    type: e.type,
    subject: e.subject,
    requesterId: Number.isInteger(requester) && requester > 0 ? requester : null,
    externalId: typeof e.detail?.external_id === 'string' ? e.detail.external_id : null,
    status: typeof e.detail?.status === 'string' ? e.detail.status : null,
    ...(typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time)) ? { time: e.time } : {}),
  };
  return [{ key: e.id, type: e.type, data }];
}

export async function handleZendesk(e: ZendeskEventData, d: EventHandlerDeps): Promise<string> {
  const [, kind, rawId] = /^zen:(ticket|user):(\d{1,20})$/.exec(e.subject) ?? [];
  if (!kind || !rawId) return 'ignored';
  if (kind === 'ticket') {
    // The requester as Zendesk has it now; the event's copy only when the ticket is gone.
    const requester = (await d.support.ticketRequester(rawId)) ?? (e.requesterId === null ? null : String(e.requesterId));
    if (!requester) return 'no requester';
    const crmId = await d.support.userCrmId(requester);
    if (!crmId) return 'requester not linked to the CRM';
    await d.onLinkSeen({ crmId, supportUserId: requester, source: `zendesk:${e.type}` });
    await d.cache.purge(supportTicketKeys(d.prefix, crmId, rawId));
    await d.publish({
      system: 'zendesk',
      eventId: e.id,
      type: e.type,
      object: 'ticket',
      objectId: rawId,
      crmId,
      purged: ['support.tickets', 'support.comments'],
    });
    // Zendesk's status change to solved -> Portico's support.ticket.solved.
    if (e.type === 'zen:event-type:ticket.status_changed' && e.status === 'SOLVED')
      await d.emit({
        id: `zendesk:${e.id}`,
        type: 'support.ticket.solved',
        at: e.time ?? new Date().toISOString(),
        data: { ticketId: rawId, crmId },
      });
    return 'applied';
  }
  const crmId = (await d.support.userCrmId(rawId)) ?? e.externalId;
  if (!crmId) return 'user not linked to the CRM';
  await d.onLinkSeen({ crmId, supportUserId: rawId, source: `zendesk:${e.type}` });
  const keys = supportKeys(d.prefix);
  await d.cache.purge([keys.user(crmId), keys.tickets(crmId, undefined)]);
  await d.publish({
    system: 'zendesk',
    eventId: e.id,
    type: e.type,
    object: 'user',
    objectId: rawId,
    crmId,
    purged: ['support.user', 'support.tickets'],
  });
  return 'applied';
}

export const zendeskWebhook: WebhookReceiver<ZendeskEventData> = {
  verify: (req, config) => verifyZendeskRequest(req, config.zendesk.webhookSecret),
  parse: parseZendesk,
  handle: handleZendesk,
};
