import { WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';

/**
 * Closes every BullMQ worker before the shutdown hooks close the database and Redis:
 * `Worker.close()` stops taking jobs and waits for the active ones, so an in-flight job finishes
 * with its connections still open.
 */
@Injectable()
export class WorkerDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WorkerDrain.name);

  constructor(private readonly discovery: DiscoveryService) {}

  async beforeApplicationShutdown(): Promise<void> {
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    const workers = hosts.flatMap((host) => {
      try {
        return [host.worker];
      } catch {
        return []; // never started (e.g. shutdown during boot)
      }
    });
    if (workers.length > 0) {
      this.logger.log(`Draining ${workers.length} worker(s)`);
      await Promise.all(workers.map((worker) => worker.close()));
    }
  }
}
