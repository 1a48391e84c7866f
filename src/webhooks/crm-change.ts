/**
 * A CRM contact changed, reported by a change feed rather than a webhook (a polled CRM,
 * CrmVendor.changeFeed): the same work as a contact webhook, in the CRM port's words. Re-read the contact
 * (out-of-order safe: the CRM's current state, not the event's), update its link, drop its cached
 * record, queue the replica updates (the job compares with the owner and writes only what differs,
 * so our own write echoing back costs reads, never a second write), publish one change event.
 */
import { crmKeys } from '../subgraphs/crm/loaders.js';
import type { CrmChangeData, EventHandlerDeps, EventSystem } from './types.js';

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function handleCrmChange(system: EventSystem, e: CrmChangeData, d: EventHandlerDeps): Promise<string> {
  const id = e.customerId;
  if (!id || !SAFE_ID.test(id)) return 'ignored';
  const found = (await d.crm.getContacts([id], { priority: 'background' })).get(id);
  if (found) await d.onLinkSeen({ crmId: id, source: `${system}:contact.${e.kind}` });
  await d.cache.purge([crmKeys(d.prefix).contact(id)]);
  if (found) await d.replicate?.(id, `${system}.${e.eventId}`);
  await d.publish({
    system,
    eventId: e.eventId,
    type: `contact.${e.kind}`,
    object: 'contact',
    objectId: id,
    crmId: id,
    purged: ['crm.contact'],
  });
  if (found && e.kind === 'updated')
    await d.emit({ id: `${system}:${e.eventId}`, type: 'crm.contact.updated', at: e.at, data: { crmId: id } });
  return 'applied';
}
