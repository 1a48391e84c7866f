/**
 * A bound on the GraphQL operations one process executes at once (MAX_OPERATIONS_IN_FLIGHT).
 *
 * Every operation in flight holds its live data (the document, the plan, the subgraph fetches'
 * bodies, the DataLoaders and the result being built) until it is answered: 50 cold staff lists in
 * flight held 185-265 MiB after full collections, and peak RSS went past 500 MiB at 50 connections.
 * Past the bound an operation waits its turn in a bounded FIFO queue (OPERATIONS_QUEUE_MAX, at most
 * OPERATIONS_QUEUE_WAIT_MS); a full queue, or a wait that ran out, is a defined refusal: HTTP 503
 * with `Retry-After` and `extensions.code` OVERLOADED, before anything ran (a client may send it
 * again as is, with or without an `Idempotency-Key`).
 *
 * Only operations that execute are counted: answers served whole from the response cache, refusals
 * (401, 429, 400) and replays of a kept idempotent response are answered before the gate. A turn is
 * given back when the execution ends, even when its client went away before (a load balancer's
 * timeout): the operation still runs to its end, and holds its memory until then.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface InFlightOptions {
  /** Operations executing at once; 0 = no bound. */
  max: number;
  /** Operations waiting for a turn at most; past it, refused at once. */
  queueMax: number;
  /** Longest wait for a turn, ms; past it, refused. */
  waitMs: number;
  /** Where the gauges and the refusal counter go. @default unreported */
  registry?: Registry;
}

/** One operation's place: running now, waiting, or refused (queue full). */
export interface InFlightTicket {
  /** `run` (a turn is held: call `release` once answered), or `refused` (`full`: the queue is full; `waited`: no turn in time). */
  readonly admitted: Promise<'run' | 'full' | 'waited'>;
  /** Gives the turn back (answered, or the client went away); a waiting ticket leaves the queue. Idempotent. */
  release(): void;
}

export interface InFlightLimit {
  readonly max: number;
  running(): number;
  queued(): number;
  enter(): InFlightTicket;
}

export function createInFlightLimit(o: InFlightOptions): InFlightLimit {
  let running = 0;
  /** Waiting tickets in arrival order; each is handed a turn by `grant`. */
  const queue: { grant(): void }[] = [];
  const refused = o.registry
    ? new Counter({
        name: 'portico_operations_refused_total',
        help: 'GraphQL operations refused with 503 OVERLOADED before running, by reason: queue_full (OPERATIONS_QUEUE_MAX operations were waiting) or waited (no turn within OPERATIONS_QUEUE_WAIT_MS).',
        labelNames: ['reason'],
        registers: [o.registry],
      })
    : undefined;
  if (o.registry) {
    new Gauge({
      name: 'portico_operations_in_flight',
      help: 'GraphQL operations executing now (bounded by MAX_OPERATIONS_IN_FLIGHT).',
      registers: [o.registry],
      collect() {
        this.set(running);
      },
    });
    new Gauge({
      name: 'portico_operations_queued',
      help: 'GraphQL operations waiting for a turn to execute (bounded by OPERATIONS_QUEUE_MAX).',
      registers: [o.registry],
      collect() {
        this.set(queue.length);
      },
    });
  }
  const leave = () => {
    const next = queue.shift();
    // The turn passes straight to the oldest waiting operation: `running` does not change.
    if (next) next.grant();
    else running--;
  };

  return {
    max: o.max,
    running: () => running,
    queued: () => queue.length,
    enter(): InFlightTicket {
      if (o.max <= 0 || running < o.max) {
        if (o.max > 0) running++;
        let held = o.max > 0;
        return {
          admitted: Promise.resolve('run'),
          release() {
            if (held) leave();
            held = false;
          },
        };
      }
      if (queue.length >= o.queueMax) {
        refused?.inc({ reason: 'queue_full' });
        return { admitted: Promise.resolve('full'), release() {} };
      }
      let state: 'waiting' | 'running' | 'done' = 'waiting';
      let settle!: (v: 'run' | 'waited') => void;
      const admitted = new Promise<'run' | 'waited'>((resolve) => (settle = resolve));
      const place = {
        grant() {
          clearTimeout(timer);
          state = 'running';
          settle('run');
        },
      };
      const out = () => {
        const i = queue.indexOf(place);
        if (i >= 0) queue.splice(i, 1);
      };
      const timer = setTimeout(() => {
        if (state !== 'waiting') return;
        out();
        state = 'done';
        refused?.inc({ reason: 'waited' });
        settle('waited');
      }, o.waitMs);
      queue.push(place);
      return {
        admitted,
        release() {
          if (state === 'running') leave();
          else if (state === 'waiting') {
            clearTimeout(timer);
            out();
            settle('waited');
          }
          state = 'done';
        },
      };
    },
  };
}
