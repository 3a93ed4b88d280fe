import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { AppRole, ConfigValidationError, loadConfig } from './config/app-config';
import { RunningService, startService } from './service';

/** Entry point: `node dist/src/main.js`. APP_ROLE picks what this process runs. */
export async function run(roleOverride?: AppRole): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  if (roleOverride) {
    config = { ...config, role: roleOverride };
  }

  let service: RunningService;
  try {
    service = await startService(config);
  } catch (error) {
    console.error(`OpenWABA failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }

  const logger = new Logger('Shutdown');
  const shutdown = (signal: string) => {
    logger.log(`${signal} received: finishing in-flight requests and jobs`);
    const deadline = setTimeout(() => {
      logger.error(`Shutdown took longer than ${config.shutdownTimeoutMs} ms; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`Shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

if (require.main === module) {
  void run();
}
