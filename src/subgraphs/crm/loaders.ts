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
      .digest('base64url')}:v2`,
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
    // A page is cached as its ids, its contacts as contacts: a contact changed since (and purged)
    // is read again, so a page never shows an older contact than the customer's own view.
    async search(s) {
      let fresh: CrmContact[] | undefined;
      const page = await c.cache.getOrSet(keys.search(s), c.ttl.search, async () => {
        const found = await crm.searchContacts(s);
        fresh = found.contacts;
        return { total: found.total, ids: found.contacts.map((ct) => ct.id) };
      });
      if (fresh) for (const ct of fresh) contact.prime(ct.id, ct);
      if (fresh) return { total: page.total, contacts: fresh };
      const loaded = await contact.loadMany(page.ids);
      const failed = loaded.find((ct) => ct instanceof Error);
      if (failed) throw failed;
      // A contact deleted since the page was cached is left out.
      return { total: page.total, contacts: loaded.filter((ct): ct is CrmContact => ct !== null && !(ct instanceof Error)) };
    },
  };
}

export function crmCustomerKeys(prefix: string, crmId: string): string[] {
  return [crmKeys(prefix).contact(crmId)];
}
