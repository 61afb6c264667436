// Keeps a worker running: a worker that fails for good (fenced, broker lost) is stopped and a
// fresh one started after a pause; committed work is where the new one resumes.
import { logger } from '../phi/log.ts';
import { type RuntimeOptions, type RuntimeStats, WorkerRuntime } from './engine.ts';
import type { WorkerDeclaration } from './worker.ts';

const log = logger('supervisor');
const RESTART_DELAY_MS = 5_000;

export class SupervisedWorker {
  readonly #decl: WorkerDeclaration;
  readonly #opts: RuntimeOptions;
  #runtime: WorkerRuntime | undefined;
  #stopped = false;
  #timer: NodeJS.Timeout | undefined;
  restarts = 0;

  constructor(decl: WorkerDeclaration, opts: RuntimeOptions) {
    this.#decl = decl;
    this.#opts = opts;
  }

  async start(): Promise<void> {
    const runtime = new WorkerRuntime(this.#decl, this.#opts);
    runtime.onFailure(() => {
      if (this.#stopped || this.#runtime !== runtime) return;
      this.restarts++;
      log.warn({ group: this.#decl.group, restarts: this.restarts }, 'worker failed; restarting');
      void runtime.stop().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(() => void this.start().catch(() => this.#retry()), RESTART_DELAY_MS);
      });
    });
    this.#runtime = runtime;
    await runtime.start();
  }

  #retry(): void {
    if (!this.#stopped) this.#timer = setTimeout(() => void this.start().catch(() => this.#retry()), RESTART_DELAY_MS);
  }

  stats(): RuntimeStats | undefined {
    return this.#runtime?.stats();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#runtime?.stop();
  }
}
