import DataLoader from 'dataloader';
import { settled } from '../../platform/prefetch.js';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, cachedEach, type CacheDeps } from '../../platform/cache.js';
import { mapEach } from '../../platform/concurrency.js';
import { traceLinkRead, type CustomerLinks, type LinkLoader } from '../../customers/links.js';
import type { CommentSummary, SupportPort, TicketPage } from '../../ports/support.js';

/*
 * Tickets are read a full port page (`support.pageSize`) at a time and sliced here, so a page is
 * cached under the customer and the port's cursor only, whatever `first` the client asks. Pages
 * are v2 since tickets carry their assignee and tags (older entries expire unread).
 */

export const supportKeys = (prefix: string) => ({
  user: (crmId: string) => `${prefix}:support:user:${crmId}:v1`,
  tickets: (crmId: string, cursor: string | undefined) => `${prefix}:support:tickets:${crmId}:${cursor ?? 'first'}:v2`,
  comments: (ticketId: string) => `${prefix}:support:comments:${ticketId}:v1`,
});

export interface TicketPageKey {
  crmId: string;
  userId: string;
  after?: string;
}

export interface SupportLoaders {
  userId: DataLoader<string, string | null>;
  tickets: DataLoader<TicketPageKey, TicketPage, string>;
  comments: DataLoader<string, CommentSummary[]>;
}

/** More first pages than this in one batch are read with the Search API. */
export const BULK_MIN = 4;

const EMPTY: TicketPage = { tickets: [], hasMore: false, afterCursor: null };

export function createSupportLoaders(
  support: SupportPort,
  c: CacheDeps<CacheType>,
  links: CustomerLinks,
  link: LinkLoader,
): SupportLoaders {
  const keys = supportKeys(c.prefix);
  return {
    // The customer link first; on first sight, the port's lookup by customer id fills it.
    userId: new DataLoader(
      settled((crmIds) =>
        traceLinkRead('supportUser', crmIds.length, async (lookedUp) => {
          const ls = await link.loadMany(crmIds);
          const out: (string | null | undefined)[] = crmIds.map((_id, i) => {
            const l = ls[i];
            return l && !(l instanceof Error) && l.supportUserId !== undefined ? l.supportUserId : undefined;
          });
          const unknown = crmIds.filter((_id, i) => out[i] === undefined);
          lookedUp(unknown.length);
          if (unknown.length) {
            const found = await support.userIdsByCrmIds(unknown);
            await Promise.all([...found].map(([id, userId]) => links.update(id, { supportUserId: userId })));
            crmIds.forEach((id, i) => {
              if (out[i] === undefined) out[i] = found.get(id) ?? null;
            });
          }
          return out as (string | null)[];
        }),
      ),
    ),
    // First pages of many customers at once (a staff list): the port's lookup for many requesters;
    // a few customers (a dashboard, a detail): the requested-tickets page, which is exact at once
    // (a search may index new tickets within minutes). Later pages: per customer.
    tickets: new DataLoader(
      settled(async (pageKeys) => {
        const pages = await cachedBatch(
          c.cache,
          pageKeys,
          (k) => keys.tickets(k.crmId, k.after),
          c.ttl.tickets,
          async (missing) => {
            const out = new Map<TicketPageKey, TicketPage>();
            const firsts = missing.filter((k) => k.after === undefined);
            if (firsts.length > BULK_MIN) {
              const found = await support.ticketsByRequesters(firsts.map((k) => k.userId));
              for (const k of firsts) {
                const list = found.get(k.userId);
                // A list longer than one page needs the port's own cursor for the next page.
                if (list && list.length <= support.pageSize) out.set(k, { tickets: list, hasMore: false, afterCursor: null });
              }
            }
            const rest = missing.filter((k) => !out.has(k));
            const got = await mapEach(rest, (k) => support.requestedTickets(k.userId, support.pageSize, k.after));
            rest.forEach((k, i) => out.set(k, got[i]));
            return out;
          },
        );
        return pages.map((p) => p ?? EMPTY);
      }),
      { cacheKeyFn: (k) => `${k.crmId}:${k.after ?? ''}` },
    ),
    // No multi-ticket comments endpoint: one call per ticket shown, as fast as the vendor budget allows.
    comments: new DataLoader(async (ticketIds) =>
      (await cachedEach(c.cache, ticketIds, keys.comments, c.ttl.comments, (id) => support.comments(id))).map((l) => l ?? []),
    ),
  };
}

/** The customer's support entries: user, first ticket page, and the comments of the tickets on it. */
export async function supportCustomerKeys(c: CacheDeps<CacheType>, crmId: string): Promise<string[]> {
  const keys = supportKeys(c.prefix);
  const first = keys.tickets(crmId, undefined);
  const [raw] = await c.cache.store.mget([first]).catch(() => [null]);
  const page = raw ? (JSON.parse(raw) as TicketPage) : EMPTY;
  return [keys.user(crmId), first, ...page.tickets.map((t) => keys.comments(t.id))];
}

/**
 * What a change to one ticket makes stale: the customer's first ticket page (where a new or
 * updated ticket shows, sorted by update time) and that ticket's comments. Other customers' and
 * other tickets' entries stay.
 */
export function supportTicketKeys(prefix: string, crmId: string, ticketId: string): string[] {
  const keys = supportKeys(prefix);
  return [keys.tickets(crmId, undefined), keys.comments(ticketId)];
}
