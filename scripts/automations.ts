/**
 * npm run automations -- list [--automation NAME] [--status STATUS] [--customer ID] [--first N]
 * npm run automations -- replay ID     (a dead-lettered run's id, as listed)
 *
 * Automation runs on the Redis in REDIS_URL (the gateways' Redis, REDIS_KEY_PREFIX): the newest
 * first, each with its trigger, steps, attempts and durations; and the replay of a dead one. This
 * command only reads records and moves a dead run back to the queue: it runs no step itself.
 */
import { parseArgs } from 'node:util';
import { loadRedisOnlyConfig } from './redis-config.js';
import { createRunStore, RUN_STATUSES, type RunRecord, type RunStatus } from '../src/automations/runs.js';
import { createDurableQueue } from '../src/platform/queue.js';
import { connectRedis, whenConnecting } from '../src/platform/redis.js';

const USAGE = `Usage:
  npm run automations -- list [--automation payment-failed] [--status DEAD] [--customer 1001] [--first 20]
  npm run automations -- replay ID       e.g. npm run automations -- replay payment-failed.stripe%3Aevt_1NxAbc`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { automation: { type: 'string' }, status: { type: 'string' }, customer: { type: 'string' }, first: { type: 'string' } },
    });
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const [command, id] = positionals;
if (command !== 'list' && command !== 'replay') fail(command ? `Unknown command "${command}".` : 'Say what to do: list or replay.');
const status = values.status?.toUpperCase();
if (status && !RUN_STATUSES.includes(status as RunStatus)) fail(`--status must be one of ${RUN_STATUSES.join(', ')}, e.g. --status DEAD.`);
const first = Number(values.first ?? 20);
if (!Number.isInteger(first) || first < 1 || first > 1000) fail('--first must be a number from 1 to 1000, e.g. --first 50.');
if (command === 'replay' && !id) fail('replay needs a run id (`npm run automations -- list --status DEAD` shows them).');

const config = loadRedisOnlyConfig({ holds: 'run automations on', example: 'npm run automations -- list', fail });

const ms = (n: number | null) => (n === null ? '-' : n < 1000 ? `${n} ms` : `${(n / 1000).toFixed(1)} s`);

function show(r: RunRecord): string {
  const end = r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.trigger.at) : null;
  const lines = [
    `${r.id}`,
    `  ${r.automation}  ${r.status}${r.dryRun ? ' (dry run)' : ''}  customer ${r.customerId ?? '-'}  attempts ${r.attempts}  event→end ${ms(end)}`,
    `  trigger ${r.trigger.type} ${r.trigger.eventId} at ${r.trigger.at}${r.traceId ? `  trace ${r.traceId}` : ''}`,
  ];
  for (const s of r.steps)
    lines.push(
      `    ${s.outcome.padEnd(7)} ${s.name}  ${s.attempts} attempt(s), last ${ms(s.durationMs)}${s.error ? `  error: ${s.error}` : ''}${
        s.dryRunCalls?.length ? `  would call: ${s.dryRunCalls.join(', ')}` : ''
      }`,
    );
  if (r.lastError && r.status !== 'COMPLETED') lines.push(`  last error: ${r.lastError}`);
  return lines.join('\n');
}

const redis = connectRedis(config.redis.url, 'read');
redis.on('error', () => undefined);
await whenConnecting(redis, 5000);
const queue = createDurableQueue({ name: 'automations', url: config.redis.url, prefix: `${config.keyPrefix}:bull`, handlers: {} });
try {
  if (command === 'list') {
    const runs = createRunStore({ redis, prefix: config.keyPrefix, max: config.automations.runsKept });
    const page = await runs.page(
      { automation: values.automation, status: status as RunStatus | undefined, customerId: values.customer },
      first,
    );
    const which = [values.automation, status, values.customer && `customer ${values.customer}`].filter(Boolean).join(', ');
    if (!page.runs.length)
      console.log(`No automation runs${which ? ` (${which})` : ''} recorded on this Redis (prefix ${config.keyPrefix}).`);
    else {
      console.log(`${page.runs.length}${page.hasNextPage ? '+' : ''} run(s)${which ? ` (${which})` : ''}, newest first:\n`);
      console.log(page.runs.map(show).join('\n\n'));
      const dead = page.runs.filter((r) => r.status === 'DEAD');
      console.log(
        dead.length
          ? `\nNext: ${dead.length} run(s) dead-lettered. Fix the cause (the last error says what failed), then \`npm run automations -- replay ${dead[0].id}\`.`
          : page.hasNextPage
            ? `\nMore runs: \`npm run automations -- list --first ${Math.min(1000, first * 2)}\`, or narrow with --automation, --status, --customer.`
            : '\nNothing to do: no run here is dead-lettered.',
      );
    }
  } else {
    const r = await queue.replay(id);
    const said = {
      replayed: `Replayed ${id}: queued again with fresh attempts; the steps it had done are not done again. Follow it with \`npm run automations -- list --first 5\`.`,
      already_processed: `${id} completed since it failed: nothing to do.`,
      pending: `${id} is waiting or running already: nothing to do.`,
      not_found: `No dead-lettered run ${id}. List them with \`npm run automations -- list --status DEAD\`.`,
    }[r];
    if (r === 'not_found') {
      console.error(said);
      process.exitCode = 1;
    } else console.log(said);
  }
} catch (err) {
  // Redis not answering (or refusing): say so, not a stack trace; the URL is not printed (it may hold a password).
  console.error(
    `Could not read the automation runs from the Redis in REDIS_URL: ${redis.status === 'ready' ? (err as Error).message : 'no connection'}. Check that it is running and that REDIS_URL names it.`,
  );
  process.exitCode = 1;
} finally {
  await queue.close().catch(() => undefined);
  redis.disconnect();
}
