import { cpus, totalmem } from 'node:os';

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) {
    return NaN;
  }
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
}

/** Prints a benchmark's figures as a Markdown table, ready for docs/benchmarks.md. */
export function report(title: string, rows: Array<[string, string]>): void {
  const lines = [
    `### ${title}`,
    '',
    `${new Date().toISOString().slice(0, 10)} · ${machine()}`,
    '',
    '| measure | value |',
    '|---|---|',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
