/**
 * Staff and partner reads of customers' records: one audit entry per request, naming every
 * customer it read.
 *
 * The CRM subgraph resolves every root field that reaches a customer (`customer`, `customers`;
 * `me` is a customer reading itself and is not recorded), so it notes the customer here. The
 * gateway's plugin then records one entry for the noted customers when the response is sent,
 * naming the systems and field coordinates the operation asked for: `customerId` when it read one,
 * `customerIds` (every customer, sorted) when it read several, such as a staff list's
 * page of 50. The durable log indexes that entry under each of them, so `auditLog(customerId:)`
 * shows it for every one. (One entry, not one per customer: a warm staff list served from the
 * response cache spent the largest share of its CPU signing, serializing and storing 50 entries.) A CRM subgraph run as its own
 * service has no gateway collector in its context: it records at once (the CRM vendor as system).
 *
 * Reads do not wait for Redis: a failed append is logged and counted
 * (`portico_audit_failures_total{kind="read"}`), never dropped silently. They wait only while the
 * log's queue of entries not yet stored is past its byte bound (AUDIT_QUEUE_MAX_BYTES, `room()`).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { RequestContext } from '../auth/context.js';
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../platform/logger.js';
import { ErrorCode } from '../errors/index.js';
import { vendorOf } from '../vendors/index.js';
import type { AuditLog, AuditSystem } from './index.js';

const READS = Symbol('audit.reads');

interface ReadCollector {
  customers: Set<string>;
}

/** True for principals whose reads of a customer are recorded: staff (agents, admins) and partners. */
export function isAuditedReader(p: Principal): boolean {
  if (p.kind === 'partner') return true;
  return p.kind === 'user' && (p.roles.includes('agent') || p.roles.includes('admin'));
}

/** Called by the gateway's context: reads of this request are collected, then recorded once at its end. */
export function collectReads(ctx: RequestContext): void {
  ctx.perRequest.set(READS, { customers: new Set() } satisfies ReadCollector);
}

export interface ReadAuditDeps {
  /** The log counts its own failures (`portico_audit_failures_total`); here they are logged too. */
  audit: AuditLog;
  /** The CRM vendor's name (CRM_VENDOR): every customer read touches it. */
  system: string;
}

/**
 * Notes a read of `customerId` by the request's principal. In the gateway's process it is
 * collected (recorded once at the end); elsewhere it is recorded now, once per request.
 */
export function noteCustomerRead(ctx: RequestContext, customerId: string, deps: ReadAuditDeps): void {
  if (!isAuditedReader(ctx.principal)) return;
  const collector = ctx.perRequest.get(READS) as ReadCollector | undefined;
  if (collector) {
    collector.customers.add(customerId);
    return;
  }
  // A subgraph service: once per customer per subgraph request.
  const key = Symbol.for(`audit.read:${customerId}`);
  if (ctx.perRequest.has(key)) return;
  ctx.perRequest.set(key, true);
  recordReads(ctx, [customerId], [deps.system], [], deps);
}

/**
 * Records a refused attempt to read another customer's record (a customer token probing ids, a
 * partner outside its allow-list), once per customer per request, without waiting.
 */
export function noteDeniedRead(ctx: RequestContext, customerId: string, deps: ReadAuditDeps): void {
  if (ctx.principal.kind === 'anonymous') return;
  const key = Symbol.for(`audit.denied:${customerId}`);
  if (ctx.perRequest.has(key)) return;
  ctx.perRequest.set(key, true);
  recordReads(ctx, [customerId], [deps.system], [], deps, 'denied');
}

/** One `customer.read` entry for the customers of one request: `customerId` for one, `customerIds` for several. */
function recordReads(
  ctx: Pick<RequestContext, 'principal' | 'requestId' | 'operationName' | 'logger'>,
  customers: readonly string[],
  systems: readonly AuditSystem[],
  fields: readonly string[],
  deps: ReadAuditDeps,
  outcome: 'ok' | 'denied' = 'ok',
) {
  if (customers.length === 0) return;
  // Sorted: a hit served from the response cache names the same list as the request that stored it.
  const who = customers.length === 1 ? { customerId: customers[0] } : { customerId: null, customerIds: [...customers].sort() };
  deps.audit.record(ctx, { action: 'customer.read', ...who, systems, fields, outcome }).catch((err: unknown) => {
    ctx.logger.error({ err: (err as Error).message, ...who }, 'audit: a customer read could not be recorded');
  });
}

/** What a read selected: the systems and field coordinates of its entries (see `readScope`). */
export interface ReadScope {
  systems: AuditSystem[];
  fields: string[];
}

/** The customers this request's resolvers read (staff and partners only), so far. */
export function collectedReads(ctx: RequestContext): readonly string[] {
  const collector = ctx.perRequest.get(READS) as ReadCollector | undefined;
  return collector ? [...collector.customers] : [];
}

const SCOPE = Symbol('audit.readScope');

/** `readScope` of the request's document, computed once per request (the audit and the response cache both ask). */
export function readScopeOf(ctx: RequestContext, schema: GraphQLSchema, document: DocumentNode | undefined, crmSystem: string): ReadScope {
  let scope = ctx.perRequest.get(SCOPE) as ReadScope | undefined;
  if (!scope) {
    scope = document ? readScope(schema, document, crmSystem) : { systems: [crmSystem], fields: [] };
    ctx.perRequest.set(SCOPE, scope);
  }
  return scope;
}

/**
 * Records reads served without running resolvers (a whole cached response): the same entry the
 * request that stored it recorded (its customers, systems and fields), for this request's principal.
 */
export function recordServedReads(
  ctx: Pick<RequestContext, 'principal' | 'requestId' | 'operationName'>,
  customers: Iterable<string>,
  scope: ReadScope,
  deps: ReadAuditDeps,
  logger: Logger,
): void {
  if (!isAuditedReader(ctx.principal)) return;
  recordReads({ ...ctx, logger }, [...customers], scope.systems, scope.fields, deps);
}

/** Which domain answers a field of the Customer type (the others are the CRM's). */
const CUSTOMER_FIELD_DOMAIN = { billing: 'billing', tickets: 'support', documents: 'files' } as const;

/** The audit's system of a Customer field: the name of the vendor module serving its domain. */
function customerFieldSystem(field: string): AuditSystem | undefined {
  const domain = Object.hasOwn(CUSTOMER_FIELD_DOMAIN, field)
    ? CUSTOMER_FIELD_DOMAIN[field as keyof typeof CUSTOMER_FIELD_DOMAIN]
    : undefined;
  return domain && vendorOf(domain).name;
}

/**
 * The systems and field coordinates (`Customer.email`, `Billing.invoices`, ...) an operation
 * selects below the root fields: what the reader asked to see.
 */
export function readScope(schema: GraphQLSchema, document: DocumentNode, crmSystem: string): ReadScope {
  const fields = new Set<string>();
  const systems = new Set<AuditSystem>([crmSystem]);
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  const info = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(info, {
      Field(node) {
        const parent = info.getParentType();
        if (!parent || roots.has(parent.name) || node.name.value.startsWith('__')) return;
        fields.add(`${parent.name}.${node.name.value}`);
        const system = parent.name === 'Customer' ? customerFieldSystem(node.name.value) : undefined;
        if (system) systems.add(system);
      },
    }),
  );
  return { systems: [...systems].sort(), fields: [...fields].sort() };
}

/**
 * Gateway plugin: sets up the collector and records the collected reads when the response is
 * sent; a response with AUDIT_UNAVAILABLE (a write refused because it could not be recorded) is
 * HTTP 503 with Retry-After, like any other "try again later".
 */
export function auditReadsPlugin(deps: ReadAuditDeps): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      collectReads(contextValue);
      return {
        async didResolveOperation({ contextValue: ctx, operationName }) {
          if (operationName) ctx.operationName = operationName;
        },
        async willSendResponse({ contextValue: ctx, document, schema, response }) {
          if (
            response.body.kind === 'single' &&
            response.body.singleResult.errors?.some((e) => e.extensions?.code === ErrorCode.AUDIT_UNAVAILABLE)
          ) {
            response.http.status = 503;
            response.http.headers.set('retry-after', '5');
          }
          const collector = ctx.perRequest.get(READS) as ReadCollector | undefined;
          if (!collector?.customers.size) return;
          const scope = readScopeOf(ctx, schema, document, deps.system);
          // Not waiting for the entries to be stored, only for room in the audit queue (its byte bound).
          await deps.audit.room?.();
          recordReads(ctx, [...collector.customers], scope.systems, scope.fields, deps);
        },
      };
    },
  };
}
