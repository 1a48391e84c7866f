/**
 * Support subgraph: extends Customer with the tickets it requested and their public comments,
 * through the support port. The only entry point of this folder.
 */
import type { AuditLog } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import { perRequest } from '../../auth/context.js';
import { ownedCustomerRef } from '../../auth/principal.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import type { Resolvers } from '../../generated/support.js';
import { checkFirst, decodeCursor, encodeCursor } from '../../platform/pagination.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { BadUserInputError } from '../../errors/index.js';
import { loadSdl } from '../sdl.js';
import { supportMutations } from './mutations.js';
import type { SupportPort } from '../../ports/support.js';
import { createSupportLoaders, supportCustomerKeys, type SupportLoaders } from './loaders.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CacheType } from '../../config/index.js';
import { requestLinkLoader, type CustomerLinks } from '../../customers/links.js';
import { hasScopes } from '../../auth/principal.js';
import { prefetchTargets, selects, type PrefetchRequest } from '../../platform/prefetch.js';

export { supportKeys, supportTicketKeys } from './loaders.js';

const LOADERS = Symbol('support.loaders');

/**
 * Our ticket cursor: the port's page cursor `a` (absent = first page) plus `i` tickets to skip in
 * that page, so any edge (not only the last) can resume the listing.
 */
interface TicketCursor {
  a?: string;
  i: number;
}
const isTicketCursor =
  (pageSize: number) =>
  (v: unknown): v is TicketCursor =>
    typeof v === 'object' &&
    v !== null &&
    Number.isInteger((v as TicketCursor).i) &&
    (v as TicketCursor).i >= 0 &&
    (v as TicketCursor).i < pageSize &&
    ((v as TicketCursor).a === undefined || typeof (v as TicketCursor).a === 'string');

export interface SupportSubgraphDeps {
  support: SupportPort;
  /** The support vendor's name: the audit's system for writes (e.g. the vendor module's `name`). */
  system: string;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
  /** Customer links (customers/links.ts): direct endpoints for linked customers. */
  links: CustomerLinks;
}

export function createSupportSubgraph(deps: SupportSubgraphDeps) {
  const isCursor = isTicketCursor(deps.support.pageSize);
  const loaders = (ctx: RequestContext): SupportLoaders =>
    perRequest(ctx, LOADERS, () => createSupportLoaders(deps.support, deps.cache, deps.links, requestLinkLoader(ctx, deps.links)));

  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Customer: {
      __resolveReference: (ref, ctx) => ownedCustomerRef(ref, ctx.principal),
      tickets: async (c, { first, after }, ctx) => {
        const size = checkFirst(first, 10);
        const from: TicketCursor = after ? decodeCursor(after, isCursor) : { i: 0 };
        const userId = await loaders(ctx).userId.load(c.id);
        if (userId === null) return { nodes: [], edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const page = await loaders(ctx).tickets.load({ crmId: c.id, userId, after: from.a });
        const nodes = page.tickets.slice(from.i, from.i + size);
        const lastIndex = from.i + nodes.length;
        const edges = nodes.map((node, k) => {
          const isPageEnd = from.i + k + 1 === page.tickets.length && page.afterCursor;
          return { cursor: encodeCursor(isPageEnd ? { a: page.afterCursor, i: 0 } : { a: from.a, i: from.i + k + 1 }), node };
        });
        return {
          nodes,
          edges,
          pageInfo: { hasNextPage: lastIndex < page.tickets.length || page.hasMore, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
      ticket: async (c, { id }, ctx) => {
        if (!deps.support.ticketId.pattern.test(id)) throw new BadUserInputError(deps.support.ticketId.help);
        const userId = await loaders(ctx).userId.load(c.id);
        if (userId === null) return null;
        const found = await deps.support.ticketById(id);
        // Another customer's ticket is absent here, as it is from the customer's list.
        return found && found.requesterId === userId ? found.ticket : null;
      },
    },
    Ticket: {
      comments: (t, _args, ctx) => loaders(ctx).comments.load(t.id),
    },
    Mutation: supportMutations(deps),
  };

  return {
    name: 'support' as const,
    schema: buildSecureSubgraphSchema(loadSdl('support'), resolvers),
    /**
     * Starts the first ticket page (and the comments of the tickets it will show) before the
     * gateway reaches this subgraph; see gateway/prefetch.ts.
     */
    prefetch(ctx: RequestContext, req: PrefetchRequest) {
      if (!hasScopes(ctx.principal, [['support.tickets:read']])) return;
      const all: Promise<unknown>[] = [];
      for (const t of prefetchTargets(req, 'tickets')) {
        const first = t.args.first ?? 10;
        if (t.args.after != null || !Number.isInteger(first) || (first as number) < 1 || (first as number) > 100) continue;
        const l = loaders(ctx);
        const comments = selects(t, 'comments');
        const started = l.userId.load(req.customerId).then(async (userId) => {
          if (userId === null) return;
          const page = await l.tickets.load({ crmId: req.customerId, userId });
          if (comments) await l.comments.loadMany(page.tickets.slice(0, first as number).map((x) => x.id));
        });
        all.push(started);
      }
      // Errors reach the resolvers that read them.
      return Promise.allSettled(all);
    },
    purgeCustomer: async (crmId: string) => deps.cache.cache.purge(await supportCustomerKeys(deps.cache, crmId)),
  };
}
