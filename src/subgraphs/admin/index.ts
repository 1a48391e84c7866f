/**
 * Admin subgraph: partner tokens and cache purges. It owns no upstream; the composition root
 * hands it the partner store and the purge function of the data subgraphs.
 */
import type { AuditLog } from '../../audit/index.js';
import type { PartnerRecord, PartnerStore } from '../../auth/partners.js';
import { mintPartnerToken } from '../../auth/partners.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import { checkCustomerId } from '../../auth/principal.js';
import type { EventSystem, ReplayStatus, Resolvers } from '../../generated/admin.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { NotFoundError } from '../../errors/index.js';
import { checkFirst, offsetCursor, offsetStart } from '../../platform/pagination.js';
import { loadSdl } from '../sdl.js';

export interface AdminSubgraphDeps {
  partners: PartnerStore;
  partnerSecret: string;
  purgeCustomer(crmId: string): Promise<void>;
  events: EventAdmin;
  /** Where admin actions are recorded (src/audit). */
  audit: AuditLog;
  /** Dead-lettered replica jobs (src/replicas); absent: none are listed. */
  replicas?: ReplicaAdmin;
}

/** What the admin API needs of the replica queue. */
export interface ReplicaAdmin {
  failed(
    offset: number,
    limit: number,
  ): Promise<{
    total: number;
    jobs: { id: string; system: string; data: unknown; attempts: number; lastError: string; addedAt: Date; failedAt: Date | null }[];
  }>;
  replay(id: string): Promise<'replayed' | 'already_processed' | 'pending' | 'not_found'>;
}

/** What the admin API needs of the event pipeline (dead letters and replay). */
export interface EventAdmin {
  readonly available: boolean;
  failed(
    system: 'stripe' | 'hubspot' | 'zendesk' | undefined,
    offset: number,
    limit: number,
  ): Promise<{ total: number; events: FailedEventRecord[] }>;
  replay(ref: string): Promise<'replayed' | 'already_processed' | 'pending' | 'not_found'>;
}

export interface FailedEventRecord {
  ref: string;
  system: 'stripe' | 'hubspot' | 'zendesk';
  kind: string;
  data: unknown;
  attempts: number;
  lastError: string;
  addedAt: Date;
  failedAt: Date | null;
}

export function createAdminSubgraph(deps: AdminSubgraphDeps) {
  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Query: {
      partnerTokens: () => deps.partners.list(),
      failedEvents: async (_src, { system, first, after }) => {
        const size = checkFirst(first, 20);
        const start = offsetStart(after);
        const page = await deps.events.failed(system ? (system.toLowerCase() as FailedEventRecord['system']) : undefined, start, size);
        const nodes = page.events.map((e) => ({
          id: e.ref,
          system: e.system.toUpperCase() as EventSystem,
          eventId: e.ref.slice(e.system.length + 1),
          type: eventType(e.data),
          attempts: e.attempts,
          lastError: e.lastError,
          receivedAt: e.addedAt,
          failedAt: e.failedAt,
        }));
        return {
          totalCount: page.total,
          nodes,
          pageInfo: {
            hasNextPage: start + nodes.length < page.total,
            endCursor: nodes.length ? offsetCursor(start + nodes.length - 1) : null,
          },
        };
      },
      failedReplicaJobs: async (_src, { first, after }) => {
        const size = checkFirst(first, 20);
        const start = offsetStart(after);
        const page = deps.replicas ? await deps.replicas.failed(start, size) : { total: 0, jobs: [] };
        const nodes = page.jobs.map((j) => ({
          id: j.id,
          system: j.system,
          customerId: typeof (j.data as { crmId?: unknown })?.crmId === 'string' ? (j.data as { crmId: string }).crmId : null,
          attempts: j.attempts,
          lastError: j.lastError,
          queuedAt: j.addedAt,
          failedAt: j.failedAt,
        }));
        return {
          totalCount: page.total,
          nodes,
          pageInfo: {
            hasNextPage: start + nodes.length < page.total,
            endCursor: nodes.length ? offsetCursor(start + nodes.length - 1) : null,
          },
        };
      },
    },
    Mutation: {
      replayReplicaJob: async (_src, { id }, ctx) => {
        const r = deps.replicas ? await deps.replicas.replay(id) : 'not_found';
        await deps.audit.record(ctx, {
          action: 'replicaJob.replay',
          systems: ['portico'],
          fields: [],
          outcome: r === 'not_found' ? 'failed' : 'ok',
          detail: { job: id.slice(0, 200), status: r },
        });
        if (r === 'not_found') throw new NotFoundError(`No failed replica job "${id}". List them with failedReplicaJobs.`);
        return { id, status: r.toUpperCase() as ReplayStatus };
      },
      createPartnerToken: async (_src, { input }) => {
        const { token, record } = await mintPartnerToken(deps.partners, deps.partnerSecret, { ...input, ttlDays: input.ttlDays ?? 30 });
        return { token, partnerToken: record };
      },
      revokePartnerToken: (_src, { id }) => deps.partners.revoke(id).then((r) => r ?? null),
      purgeCustomerCache: async (_src, { id }) => {
        checkCustomerId(id);
        await deps.purgeCustomer(id);
        return true;
      },
      replayFailedEvent: async (_src, { id }) => {
        const r = await deps.events.replay(id);
        if (r === 'not_found')
          throw new NotFoundError(`No failed event "${id}". Ids look like stripe:evt_1Nx...; list them with failedEvents.`);
        return { id, status: r.toUpperCase() as ReplayStatus };
      },
    },
  };
  return { name: 'admin' as const, schema: buildSecureSubgraphSchema(loadSdl('admin'), resolvers) };
}

export type { PartnerRecord };

/** The vendor's event type, from the stored job data of any system. */
function eventType(data: unknown): string {
  const d = data as { type?: unknown; subscriptionType?: unknown } | null;
  return typeof d?.type === 'string' ? d.type : typeof d?.subscriptionType === 'string' ? d.subscriptionType : 'unknown';
}
