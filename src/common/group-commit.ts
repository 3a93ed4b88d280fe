/** What a group's write answers for one of its items: its result, or the error for that item alone. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit: items submitted while earlier groups are being written wait and are written together,
 * so a burst of requests costs a few round trips per group instead of several per request. The first
 * item of a quiet moment goes out at the next turn of the event loop; under load, groups grow with
 * the arrival rate times the write's latency, up to `maxItems`.
 *
 * `write` answers one outcome per item, in order; if it throws, every item of the group fails with
 * that error.
 */
export class GroupCommit<T, R> {
  private readonly pending: { item: T; resolve: (value: R) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: T[]) => Promise<Settled<R>[]>,
    private readonly options: { maxItems: number; maxInFlight: number },
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (!this.scheduled && this.pending.length > 0 && this.inFlight < this.options.maxInFlight) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const group = this.pending.splice(0, this.options.maxItems);
    this.inFlight++;
    this.schedule();
    try {
      const outcomes = await this.write(group.map((entry) => entry.item));
      group.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (outcome.ok) {
          entry.resolve(outcome.value);
        } else {
          entry.reject(outcome.error);
        }
      });
    } catch (error) {
      group.forEach((entry) => entry.reject(error));
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }
}

/** Runs `fn` for one item and settles its outcome. */
export async function settle<R>(fn: () => Promise<R> | R): Promise<Settled<R>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}
