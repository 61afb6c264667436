// Per-key ordered scheduler (DESIGN §3, invariant 3): tasks with the same key run one at a time in
// submission order; tasks with different keys run concurrently, at most `concurrency` at once, so
// throughput is not capped by the partition count. A free slot goes to the oldest waiting task
// whose key is free: records finish roughly in fetch order, so commit watermarks keep moving and
// the buffer of finished-but-uncommitted records stays small. Keys are opaque here, but they may be
// PHI (a patient id), so no error message ever includes one. A task that returns a plain value
// settles at once, without a promise: a fast processor costs no microtask round trips.

export const DEFAULT_CONCURRENCY = 256;

export interface KeySchedulerOptions {
  /** Most tasks running at once, over all keys. */
  concurrency?: number;
}

/** The error a submitted task settles with when the scheduler will never start it, because it was stopped. */
export class TaskNotStartedError extends Error {
  constructor() {
    super('task not started: the scheduler was stopped');
    this.name = 'TaskNotStartedError';
  }
}

/** Told how a task ended: `failed` with the error it threw or rejected with, else with its value. */
export type TaskDone<T> = (failed: boolean, result: T | unknown) => void;

interface Task {
  /** Submission order: the oldest ready task runs first. */
  seq: number;
  run: () => unknown;
  done: TaskDone<unknown>;
}

interface KeyState {
  key: string;
  tasks: Fifo<Task>;
  running: boolean;
}

/** Array queue with a moving head: amortised O(1) shift, unlike Array#shift on long arrays. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    if (this.#head === this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined; // let it be collected
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** Keys ready to run, as a binary min-heap on the sequence number of each key's next task. */
class ReadyHeap {
  #heap: KeyState[] = [];

  get length(): number {
    return this.#heap.length;
  }

  push(state: KeyState): void {
    const heap = this.#heap;
    heap.push(state);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (seqOf(heap[parent] as KeyState) <= seqOf(state)) break;
      heap[i] = heap[parent] as KeyState;
      i = parent;
    }
    heap[i] = state;
  }

  shift(): KeyState | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && seqOf(heap[right] as KeyState) < seqOf(heap[left] as KeyState) ? right : left;
      if (seqOf(heap[child] as KeyState) >= seqOf(last)) break;
      heap[i] = heap[child] as KeyState;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function seqOf(state: KeyState): number {
  return (state.tasks.peek() as Task).seq;
}

export class KeyScheduler {
  readonly concurrency: number;
  // Only keys with a task running or queued are kept, so memory follows the work, not the key space.
  #keys = new Map<string, KeyState>();
  // Keys with a queued task and none running, by the age of that task. A busy key takes at most
  // one slot, so a patient with many events cannot crowd the others out.
  #ready = new ReadyHeap();
  #seq = 0;
  #running = 0;
  #queued = 0;
  #stopped = false;
  #pumping = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: KeySchedulerOptions = {}) {
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    this.concurrency = concurrency;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks submitted and not started yet. */
  get queued(): number {
    return this.#queued;
  }

  /** Keys with a task running or queued. */
  get pendingKeys(): number {
    return this.#keys.size;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Queues a task behind the earlier tasks of its key. `done` is called once with the task's own
   * result or error (a failed task does not hold its key up), or with TaskNotStartedError if the
   * scheduler is stopped first; when the key is free and a slot open, a task that returns a plain
   * value has run and settled before submit returns.
   */
  submit<T>(key: string, run: () => T | PromiseLike<T>, done: TaskDone<T>): void {
    if (this.#stopped) return done(true, new TaskNotStartedError());
    let state = this.#keys.get(key);
    if (state === undefined) {
      state = { key, tasks: new Fifo(), running: false };
      this.#keys.set(key, state);
    }
    state.tasks.push({ seq: this.#seq++, run, done: done as TaskDone<unknown> });
    this.#queued++;
    if (!state.running && state.tasks.length === 1) this.#ready.push(state);
    this.#pump();
  }

  /** Resolves when no task is running or queued. */
  idle(): Promise<void> {
    if (this.#running === 0 && this.#queued === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops starting tasks (rebalance, shutdown): every queued task is rejected with
   * TaskNotStartedError, and so is every later submit until `resume`. Running tasks finish;
   * await `idle()` for them. Returns how many queued tasks were dropped.
   */
  stop(): number {
    this.#stopped = true;
    const dropped = this.#queued;
    const notStarted = new TaskNotStartedError();
    for (const [key, state] of this.#keys) {
      for (let task = state.tasks.shift(); task !== undefined; task = state.tasks.shift()) task.done(true, notStarted);
      if (!state.running) this.#keys.delete(key);
    }
    this.#ready = new ReadyHeap();
    this.#queued = 0;
    this.#settleIdle();
    return dropped;
  }

  /** Accepts tasks again after `stop`. */
  resume(): void {
    this.#stopped = false;
  }

  // A task that settles at once calls back into #pump (through #finish) while it is still on the
  // stack: the outer loop picks up the freed slot instead, so the stack does not grow per task.
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#running < this.concurrency && !this.#stopped) {
        const state = this.#ready.shift();
        if (state === undefined) return;
        const task = state.tasks.shift() as Task;
        this.#queued--;
        this.#running++;
        state.running = true;
        this.#start(state, task);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #start(state: KeyState, task: Task): void {
    let result: unknown;
    try {
      result = task.run();
    } catch (err) {
      return this.#finish(state, task, true, err);
    }
    if (isThenable(result)) {
      result.then(
        (value) => this.#finish(state, task, false, value),
        (err: unknown) => this.#finish(state, task, true, err),
      );
    } else this.#finish(state, task, false, result);
  }

  #finish(state: KeyState, task: Task, failed: boolean, result: unknown): void {
    // Release the key only now that the task has settled: its next task cannot overtake it.
    this.#running--;
    state.running = false;
    if (state.tasks.length > 0) this.#ready.push(state);
    else this.#keys.delete(state.key);
    task.done(failed, result);
    this.#pump();
    this.#settleIdle();
  }

  #settleIdle(): void {
    if (this.#running > 0 || this.#queued > 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
