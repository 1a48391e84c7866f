/**
 * Admin subgraph: partner tokens and cache purges. It owns no upstream; the composition root
 * hands it the partner store and the purge function of the data subgraphs.
 */
import type { EventSystem as EventSystemName } from '../../webhooks/types.js';
import { audited, AuditUnavailableError, type AuditEvent, type AuditLog, type StoredAuditEntry } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import type { PartnerRecord, PartnerStore } from '../../auth/partners.js';
import { mintPartnerToken } from '../../auth/partners.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import { checkCustomerId } from '../../auth/principal.js';
import type { AuditActorKind, AuditOutcome, EventSystem, ReplayStatus, Resolvers } from '../../generated/admin.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { BadUserInputError, NotFoundError } from '../../errors/index.js';
import { checkFirst, offsetStart, storedPage } from '../../platform/pagination.js';
import type { DurableQueue } from '../../platform/queue.js';
import type { RunRecord, RunStore } from '../../automations/runs.js';
import { loadSdl } from '../sdl.js';
import { createIntegrationHealth, type IntegrationHealthDeps } from './health.js';
import { notificationResolvers, type NotificationResolverDeps } from '../../notifications/graphql.js';

export { reconcileLastKey, type QueueSource, type ReconciliationRun } from './health.js';

export interface AdminSubgraphDeps {
  partners: PartnerStore;
  partnerSecret: string;
  purgeCustomer(crmId: string): Promise<void>;
  events: EventAdmin;
  /** Where admin actions are recorded (src/audit). */
  audit: AuditLog;
  /** Dead-lettered replica jobs (src/replicas); absent: none are listed. */
  replicas?: ReplicaAdmin;
  /** Queues, breakers and the reconciliation key `integrationHealth` shows. @default no queues, no breakers */
  health?: IntegrationHealthDeps;
  /** The automations' run queue (dead letters and replay); absent: none are listed. */
  automationRuns?: Pick<DurableQueue, 'dead' | 'replay'>;
  /** The record of every automation run (src/automations/runs.ts); absent: `automationRuns` is empty. */
  automationRunRecords?: Pick<RunStore, 'page'>;
  /** Partner webhook endpoints and customer preferences (src/notifications); absent: those fields answer NOT_FOUND/empty. */
  notifications?: Omit<NotificationResolverDeps, 'partners' | 'audit'>;
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
  failed(system: EventSystemName | undefined, offset: number, limit: number): Promise<{ total: number; events: FailedEventRecord[] }>;
  replay(ref: string): Promise<'replayed' | 'already_processed' | 'pending' | 'not_found'>;
}

export interface FailedEventRecord {
  ref: string;
  system: EventSystemName;
  kind: string;
  data: unknown;
  attempts: number;
  lastError: string;
  addedAt: Date;
  failedAt: Date | null;
}

export function createAdminSubgraph(deps: AdminSubgraphDeps) {
  const health = createIntegrationHealth(deps.health ?? { queues: [], breakers: {}, keyPrefix: '' });
  const audit = <T>(ctx: RequestContext, e: Omit<AuditEvent, 'outcome'>, run: () => Promise<T>, detail?: (r: T) => AuditEvent['detail']) =>
    audited(deps.audit, ctx, e, run, { detail });
  const notify = deps.notifications
    ? notificationResolvers({ ...deps.notifications, partners: deps.partners, audit: deps.audit })
    : undefined;
  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Query: {
      ...notify?.Query,
      partnerTokens: () => deps.partners.list(),
      failedEvents: async (_src, { system, first, after }) => {
        const size = checkFirst(first, 20);
        const start = offsetStart(after);
        const page = await deps.events.failed(system ? system.toLowerCase() : undefined, start, size);
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
        return storedPage(start, page.total, nodes);
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
        return storedPage(start, page.total, nodes);
      },
      failedAutomationRuns: async (_src, { first, after }) => {
        const size = checkFirst(first, 20);
        const start = offsetStart(after);
        const page = deps.automationRuns ? await deps.automationRuns.dead(start, size) : { total: 0, jobs: [] };
        const nodes = page.jobs.map((j) => {
          const run = (j.data ?? {}) as { event?: { id?: string; type?: string; data?: { crmId?: unknown } }; done?: string[] };
          const crmId = run.event?.data?.crmId;
          return {
            id: j.id,
            automation: j.kind,
            eventType: run.event?.type ?? '',
            eventId: run.event?.id ?? j.key,
            customerId: typeof crmId === 'string' ? crmId : null,
            stepsDone: [...(run.done ?? [])],
            attempts: j.attempts,
            lastError: j.lastError,
            queuedAt: j.addedAt,
            failedAt: j.failedAt,
          };
        });
        return storedPage(start, page.total, nodes);
      },
      automationRuns: async (_src, { first, after, automation, status, customerId }) => {
        const size = checkFirst(first, 20);
        if (customerId) checkCustomerId(customerId);
        if (automation && !/^[a-z][a-z0-9-]{0,62}$/.test(automation))
          throw new BadUserInputError('"automation" is an automation\'s name, e.g. "payment-failed".', 'automation');
        if (!deps.automationRunRecords) return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const page = await deps.automationRunRecords.page(
          { automation: automation ?? undefined, status: status ?? undefined, customerId: customerId ?? undefined },
          size,
          after,
        );
        return { nodes: page.runs.map(toGraphQLRun), pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor } };
      },
      auditLog: async (_src, { customerId, first, after }) => {
        const size = checkFirst(first, 20);
        if (customerId) checkCustomerId(customerId);
        if (after && !/^\d{1,20}-\d{1,20}$/.test(after))
          throw new BadUserInputError('"after" is not a cursor this API issued. Pass pageInfo.endCursor of the previous page.', 'after');
        if (!deps.audit.page) throw new AuditUnavailableError('the durable audit log needs Redis (set REDIS_URL)');
        const page = await deps.audit.page({ customerId: customerId ?? undefined, first: size, after: after ?? undefined });
        const nodes = page.entries.map(toGraphQLEntry);
        return {
          totalCount: page.totalCount,
          nodes,
          pageInfo: { hasNextPage: page.hasNextPage, endCursor: nodes.at(-1)?.id ?? null },
        };
      },
      integrationHealth: async () => {
        const [queues, lastReconciliation] = await Promise.all([health.queues(), health.lastReconciliation()]);
        return {
          queues,
          lastReconciliation: lastReconciliation && {
            ...lastReconciliation,
            startedAt: new Date(lastReconciliation.startedAt),
            finishedAt: lastReconciliation.finishedAt && new Date(lastReconciliation.finishedAt),
          },
          circuits: health.circuits(),
          automations: [...(deps.health?.automations?.() ?? [])],
        };
      },
    },
    Mutation: {
      replayAutomationRun: (_src, { id }, ctx) =>
        audit(ctx, { action: 'automationRun.replay', systems: ['portico'], fields: [], detail: { jobId: id.slice(0, 200) } }, async () => {
          const r = deps.automationRuns ? await deps.automationRuns.replay(id) : 'not_found';
          if (r === 'not_found') throw new NotFoundError(`No failed automation run "${id}". List them with failedAutomationRuns.`);
          return { id, status: r.toUpperCase() as ReplayStatus };
        }),
      ...notify?.Mutation,
      replayReplicaJob: (_src, { id }, ctx) =>
        audit(ctx, { action: 'replicaJob.replay', systems: ['portico'], fields: [], detail: { jobId: id.slice(0, 200) } }, async () => {
          const r = deps.replicas ? await deps.replicas.replay(id) : 'not_found';
          if (r === 'not_found') throw new NotFoundError(`No failed replica job "${id}". List them with failedReplicaJobs.`);
          return { id, status: r.toUpperCase() as ReplayStatus };
        }),
      createPartnerToken: (_src, { input }, ctx) =>
        audit(
          ctx,
          { action: 'partnerToken.create', systems: ['portico'], fields: Object.keys(input).sort(), detail: { name: input.name } },
          async () => {
            const { token, record } = await mintPartnerToken(deps.partners, deps.partnerSecret, { ...input, ttlDays: input.ttlDays ?? 30 });
            return { token, partnerToken: record };
          },
          (r) => ({ partnerTokenId: r.partnerToken.id }),
        ),
      revokePartnerToken: (_src, { id }, ctx) =>
        audit(
          ctx,
          { action: 'partnerToken.revoke', systems: ['portico'], fields: ['revokedAt'], detail: { partnerTokenId: id } },
          () => deps.partners.revoke(id).then((r) => r ?? null),
          (r) => ({ found: r !== null }),
        ),
      purgeCustomerCache: async (_src, { id }, ctx) => {
        checkCustomerId(id);
        return audit(ctx, { action: 'cache.purge', customerId: id, systems: ['portico'], fields: [] }, async () => {
          await deps.purgeCustomer(id);
          return true;
        });
      },
      replayFailedEvent: (_src, { id }, ctx) =>
        audit(ctx, { action: 'failedEvent.replay', systems: ['portico'], fields: [], detail: { eventId: id } }, async () => {
          const r = await deps.events.replay(id);
          if (r === 'not_found')
            throw new NotFoundError(`No failed event "${id}". Ids look like <system>:<vendor event id>; list them with failedEvents.`);
          return { id, status: r.toUpperCase() as ReplayStatus };
        }),
    },
  };
  return { name: 'admin' as const, schema: buildSecureSubgraphSchema(loadSdl('admin'), resolvers) };
}

export type { PartnerRecord };

function toGraphQLEntry(e: StoredAuditEntry) {
  return {
    id: e.id,
    at: new Date(e.at),
    actor: {
      kind: e.actor.kind.toUpperCase() as AuditActorKind,
      subject: e.actor.subject ?? null,
      roles: e.actor.roles ?? null,
      partnerId: e.actor.partnerId ?? null,
      scopes: e.actor.scopes ?? null,
    },
    requestId: e.requestId,
    operation: e.operation,
    action: e.action,
    customerId: e.customerId,
    customerIds: e.customerIds ?? (e.customerId ? [e.customerId] : []),
    systems: e.systems,
    fields: e.fields,
    outcome: e.outcome.toUpperCase() as AuditOutcome,
    detail: e.detail ? JSON.stringify(e.detail) : null,
    hash: e.hash,
    prevHash: e.prev,
  };
}

/** The vendor's event type, from the stored job data of any system. */
function eventType(data: unknown): string {
  const d = data as { type?: unknown; subscriptionType?: unknown } | null;
  return typeof d?.type === 'string' ? d.type : typeof d?.subscriptionType === 'string' ? d.subscriptionType : 'unknown';
}

/** A run record as `automationRuns` shows it. */
function toGraphQLRun(r: RunRecord) {
  const end = r.finishedAt ? Date.parse(r.finishedAt) : NaN;
  return {
    id: r.id,
    automation: r.automation,
    status: r.status,
    trigger: { type: r.trigger.type, eventId: r.trigger.eventId, at: new Date(r.trigger.at) },
    customerId: r.customerId,
    steps: r.steps.map((s) => ({
      name: s.name,
      outcome: s.outcome,
      attempts: s.attempts,
      durationMs: Math.round(s.durationMs),
      error: s.error,
      wouldCall: s.dryRunCalls ?? [],
    })),
    attempts: r.attempts,
    queuedAt: new Date(r.queuedAt),
    startedAt: r.startedAt ? new Date(r.startedAt) : null,
    finishedAt: r.finishedAt ? new Date(r.finishedAt) : null,
    durationMs: Number.isNaN(end) ? null : Math.max(0, end - Date.parse(r.trigger.at)),
    traceId: r.traceId,
    lastError: r.lastError,
    dryRun: r.dryRun,
  };
}
