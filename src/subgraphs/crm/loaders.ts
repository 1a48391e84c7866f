import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { settled } from '../../platform/prefetch.js';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, type CacheDeps } from '../../platform/cache.js';
import type { CrmContact, CrmPort, CrmSearch } from '../../ports/crm.js';

/** Named cache keys of the CRM's records. Bump the version when a cached shape changes. */
export const crmKeys = (prefix: string) => ({
  contact: (id: string) => `${prefix}:crm:contact:${id}:v1`,
  search: (s: CrmSearch) =>
    `${prefix}:crm:search:${createHash('sha256')
      .update(JSON.stringify([s.query ?? '', s.limit, s.offset ?? 0, ...(s.ids ? [[...s.ids].sort()] : [])]))
      .digest('base64url')}:v1`,
});

export interface CrmLoaders {
  contact: DataLoader<string, CrmContact | null>;
  search(s: CrmSearch): ReturnType<CrmPort['searchContacts']>;
}

/** Per request: every contact read in one tick becomes one cache read and at most one CRM batch read. */
export function createCrmLoaders(crm: CrmPort, c: CacheDeps<CacheType>): CrmLoaders {
  const keys = crmKeys(c.prefix);
  const contact = new DataLoader<string, CrmContact | null>(
    settled((ids) => cachedBatch(c.cache, ids, keys.contact, c.ttl.contact, (missing) => crm.getContacts(missing))),
  );
  return {
    contact,
    async search(s) {
      const page = await c.cache.getOrSet(keys.search(s), c.ttl.search, () => crm.searchContacts(s));
      for (const ct of page.contacts) contact.prime(ct.id, ct);
      return page;
    },
  };
}

export function crmCustomerKeys(prefix: string, crmId: string): string[] {
  return [crmKeys(prefix).contact(crmId)];
}
