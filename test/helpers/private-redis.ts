import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from './processes';
import { waitFor } from './wait-for';

/** A Redis server of a test's own (nothing kept on disk), to kill and start again at will. */
export class PrivateRedis {
  private server?: ChildProcess;
  private exited?: Promise<void>;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server on its port, empty, and resolves once it accepts connections. */
  async restart(): Promise<void> {
    let output = '';
    const server = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    this.server = server;
    let failed: Error | undefined;
    // A machine without redis-server fails the test here, naming what is missing.
    server.once('error', (error) => (failed = error));
    this.exited = new Promise((resolve) => server.once('close', () => resolve()));
    await waitFor('Redis to accept connections', async () => {
      if (failed) {
        throw new Error(`redis-server did not start: ${failed.message}`);
      }
      return /Ready to accept connections/.test(output) ? true : undefined;
    });
  }

  /** Kills the server as a crash would (SIGKILL): everything in it is gone. */
  async kill(): Promise<void> {
    this.server?.kill('SIGKILL');
    await this.exited;
  }
}
