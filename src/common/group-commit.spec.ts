import { GroupCommit, Settled } from './group-commit';

/** A write the test finishes by hand, recording the groups it was given. */
function controlledWrite() {
  const groups: number[][] = [];
  const finish: Array<() => void> = [];
  const write = (items: number[]) => {
    groups.push(items);
    return new Promise<Settled<string>[]>((resolve) =>
      finish.push(() =>
        resolve(
          items.map((item) =>
            item < 0 ? { ok: false, error: new Error(`bad ${item}`) } : { ok: true, value: `#${item}` },
          ),
        ),
      ),
    );
  };
  return { groups, finish, write };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes what arrives while a group is in flight as the next group, and answers each item its own outcome', async () => {
    const { groups, finish, write } = controlledWrite();
    const commit = new GroupCommit(write, { maxItems: 100, maxInFlight: 1 });
    const first = commit.submit(1);
    await turn();
    const later = [2, -3, 4].map((item) => commit.submit(item).catch((error: Error) => error.message));
    await turn();
    expect(groups).toEqual([[1]]);

    finish[0]();
    expect(await first).toBe('#1');
    await turn();
    expect(groups).toEqual([[1], [2, -3, 4]]);
    finish[1]();
    expect(await Promise.all(later)).toEqual(['#2', 'bad -3', '#4']);
  });

  it('caps a group at maxItems and runs up to maxInFlight groups at once', async () => {
    const { groups, finish, write } = controlledWrite();
    const commit = new GroupCommit(write, { maxItems: 2, maxInFlight: 2 });
    const answers = Promise.all([1, 2, 3, 4, 5].map((item) => commit.submit(item)));
    await turn();
    await turn();
    expect(groups).toEqual([
      [1, 2],
      [3, 4],
    ]);
    finish[0]();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await turn();
    expect(groups).toEqual([[1, 2], [3, 4], [5]]);
    finish[1]();
    finish[2]();
    expect(await answers).toEqual(['#1', '#2', '#3', '#4', '#5']);
  });

  it('fails every item of a group whose write throws, and goes on with the next group', async () => {
    let calls = 0;
    const commit = new GroupCommit<number, number>(
      async (items) => {
        calls++;
        if (calls === 1) {
          throw new Error('database gone');
        }
        return items.map((item) => ({ ok: true, value: item * 10 }));
      },
      { maxItems: 10, maxInFlight: 1 },
    );
    const failed = Promise.allSettled([commit.submit(1), commit.submit(2)]);
    expect((await failed).map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(await commit.submit(3)).toBe(30);
  });
});
