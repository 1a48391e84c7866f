/**
 * HubSpot: signature v3 over method + public URI + raw body + timestamp; the body is a JSON array
 * of events (a batch), each its own unit of work keyed by its `eventId`. The handler re-reads the
 * contact (so the order of events does not matter) and drops its cached record.
 */
import { REPLICATED_CONTACT_FIELDS } from '../../ownership.js';
import { contactFieldOf } from './mappers.js';
import { crmKeys } from '../../subgraphs/crm/index.js';
import { header, parseJson, WebhookRejected } from '../../webhooks/verify.js';
import type { WebhookReceiver } from '../types.js';
import { verifyHubSpotV3 } from './signature.js';
import type { EventHandlerDeps, ReceivedEvent, WebhookRequest } from '../../webhooks/types.js';

export interface HubSpotEventData {
  eventId: string;
  subscriptionType: string;
  objectId: string;
  occurredAt: number;
  propertyName?: string;
}

/** HubSpot sends at most 100 events a request. */
const MAX_BATCH = 100;

/** Signature v3 over the URI HubSpot called (PUBLIC_BASE_URL + path). */
export function verifyHubSpot(req: WebhookRequest, clientSecret: string): void {
  verifyHubSpotV3({
    method: req.method,
    uri: `${req.baseUrl}${req.url}`,
    body: req.body,
    timestamp: header(req.headers, 'x-hubspot-request-timestamp'),
    signature: header(req.headers, 'x-hubspot-signature-v3'),
    secret: clientSecret,
    nowMs: req.nowMs,
  });
}

export function parseHubSpot(req: WebhookRequest): ReceivedEvent<HubSpotEventData>[] {
  const batch = parseJson(req.body);
  if (!Array.isArray(batch) || batch.length === 0 || batch.length > MAX_BATCH) throw new WebhookRejected('not a HubSpot event batch');
  const out = new Map<string, ReceivedEvent<HubSpotEventData>>();
  for (const raw of batch as Record<string, unknown>[]) {
    const id = raw?.eventId;
    const objectId = raw?.objectId;
    if (
      (typeof id !== 'number' && typeof id !== 'string') ||
      !/^\d{1,20}$/.test(String(id)) ||
      typeof raw.subscriptionType !== 'string' ||
      (typeof objectId !== 'number' && typeof objectId !== 'string')
    ) {
      throw new WebhookRejected('not a HubSpot event');
    }
    const data: HubSpotEventData = {
      eventId: String(id),
      subscriptionType: raw.subscriptionType,
      objectId: String(objectId),
      occurredAt: Number(raw.occurredAt) || 0,
    };
    if (typeof raw.propertyName === 'string') data.propertyName = raw.propertyName;
    // A batch may carry the same event twice: it is one unit of work.
    out.set(data.eventId, { key: data.eventId, type: data.subscriptionType, data });
  }
  return [...out.values()];
}

export async function handleHubSpot(e: HubSpotEventData, d: EventHandlerDeps): Promise<string> {
  if (!e.subscriptionType.startsWith('contact.')) return 'ignored';
  const id = e.objectId;
  if (!/^\d{1,20}$/.test(id)) return 'ignored';
  // A notification: the contact as HubSpot has it now (absent when deleted).
  const found = (await d.crm.getContacts([id])).get(id);
  if (found) await d.onLinkSeen({ crmId: id, source: `hubspot:${e.subscriptionType}` });
  await d.cache.purge([crmKeys(d.prefix).contact(id)]);
  // An owned field edited in HubSpot (or our own write echoing back) flows to the replicas. The
  // replica job compares with the owner's current value and writes only what differs, so an echo
  // of our own write costs reads, never a second write, and cannot loop.
  const replicated =
    e.subscriptionType === 'contact.creation' ||
    (e.subscriptionType === 'contact.propertyChange' &&
      !!e.propertyName &&
      REPLICATED_CONTACT_FIELDS.has(contactFieldOf(e.propertyName) ?? ''));
  if (found && replicated) await d.replicate?.(id, `hubspot.${e.eventId}`);
  await d.publish({
    system: 'hubspot',
    eventId: e.eventId,
    type: e.subscriptionType,
    object: 'contact',
    objectId: id,
    crmId: id,
    purged: ['crm.contact'],
  });
  if (found)
    await d.emit({
      id: `hubspot:${e.eventId}`,
      type: 'crm.contact.updated',
      at: new Date(e.occurredAt || Date.now()).toISOString(),
      data: { crmId: id },
    });
  return 'applied';
}

export const hubspotWebhook: WebhookReceiver<HubSpotEventData> = {
  verify: (req, config) => verifyHubSpot(req, config.hubspot.clientSecret),
  parse: parseHubSpot,
  handle: handleHubSpot,
};
