/**
 * Lifecycle as data: each resource registers its own close when it is created, and shutdown runs
 * them in reverse order of creation, so what was built on something closes before it. The idea of
 * `AsyncDisposableStack` (TC39 explicit resource management), which Node 20 does not have.
 */

export interface DisposalStack {
  /** Registers `close` to run at dispose, before everything registered earlier. */
  defer(close: () => unknown): void;
  /** Registers `close(resource)` and returns `resource`, for use in the expression that creates it. */
  use<T>(resource: T, close: (resource: T) => unknown): T;
  /**
   * Runs every registered close once, newest first, each awaited before the next. A close that
   * fails does not stop the others; the first failure is thrown once all have run.
   * Later calls wait for the first one.
   */
  dispose(): Promise<void>;
  readonly disposed: boolean;
}

export function createDisposalStack(): DisposalStack {
  const closes: (() => unknown)[] = [];
  let running: Promise<void> | undefined;
  const run = async () => {
    let failure: { err: unknown } | undefined;
    for (let close = closes.pop(); close; close = closes.pop()) {
      try {
        await close();
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  };
  const defer = (close: () => unknown) => {
    if (running) throw new Error('this stack is already disposed: nothing can be added to it');
    closes.push(close);
  };
  return {
    defer,
    use(resource, close) {
      defer(() => close(resource));
      return resource;
    },
    dispose() {
      running ??= run();
      return running;
    },
    get disposed() {
      return running !== undefined;
    },
  };
}
