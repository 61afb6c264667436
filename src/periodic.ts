// A pass run at start and then every interval, one at a time: a timer that fires while a pass is
// still running starts nothing, a failed pass goes to `onError` and the next one tries again, and
// stop() waits for the pass in progress.
export class PeriodicTask {
  readonly #pass: () => Promise<unknown>;
  readonly #intervalMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(pass: () => Promise<unknown>, intervalMs: number, onError: (err: unknown) => void) {
    this.#pass = pass;
    this.#intervalMs = intervalMs;
    this.#onError = onError;
  }

  start(): void {
    const tick = () => {
      this.#running ??= this.#pass()
        .then(() => undefined, this.#onError)
        .finally(() => {
          this.#running = undefined;
        });
    };
    tick();
    this.#timer = setInterval(tick, this.#intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
