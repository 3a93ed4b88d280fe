import multipart from '@fastify/multipart';
import { INestApplicationContext, Logger, ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { envelopeResponses } from './common/http/envelope';
import { IdempotencyService } from './common/idempotency/idempotency.service';
import { AppLogger, createRootLogger, loggableUrl } from './common/logging/app-logger';
import { isUnexpectedMultipart } from './common/http/multipart';
import { requestIdFor } from './common/http/request-id';
import { buildOpenApiDocument } from './common/openapi/build-openapi-document';
import { AppException } from './common/errors/app.exception';
import { ErrorCode } from './common/errors/error-code';
import { AppConfig } from './config/app-config';
import { prepareDatabase } from './database/prepare-database';
import { SandboxHost } from './modules/meta/sandbox-host';

export interface RunningService {
  /** Base URL of the HTTP API, when this process serves HTTP. */
  url?: string;
  context: INestApplicationContext;
  /** Graceful: stop accepting, drain requests, finish active jobs, close connections, stop embedded PostgreSQL. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  extraImports?: ModuleMetadata['imports'];
}

/** The Nest HTTP application on Fastify, with our request ids, limits and API docs; not yet listening. */
export async function createHttpApp(
  config: AppConfig,
  databaseUrl: string,
  options: ServiceOptions & { connect?: boolean } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: requestIdFor,
    // Keep-alive sockets with no request in flight are closed at shutdown instead of holding it open.
    forceCloseConnections: 'idle',
    trustProxy: true,
  });
  // JSON is the only body we accept, but for media uploads; anything else is 415 UNSUPPORTED_MEDIA_TYPE.
  adapter.getInstance().removeContentTypeParser(['text/plain']);
  void adapter.getInstance().register(multipart, { throwFileSizeLimit: false });
  // Hooks take callbacks, not promises: they run on every request.
  adapter.getInstance().addHook('preValidation', (request, _reply, done) => {
    done(
      isUnexpectedMultipart(request)
        ? new AppException(ErrorCode.UnsupportedMediaType, 'Unsupported Content-Type')
        : undefined,
    );
  });
  adapter.getInstance().addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  const root = createRootLogger(config);
  if (root.isLevelEnabled('info')) {
    // One line per request (health checks aside), with its id: what pino-http wrote, without a logger per request.
    adapter.getInstance().addHook('onResponse', (request, reply, done) => {
      if (!request.url.startsWith('/health')) {
        root.info(
          {
            req: { id: request.id, method: request.method, url: loggableUrl(request.url) },
            res: { statusCode: reply.statusCode },
            responseTime: reply.elapsedTime,
          },
          'request completed',
        );
      }
      done();
    });
  }
  // While shutting down, answer in-flight requests with `Connection: close` so their keep-alive
  // sockets end with the response instead of holding the shutdown open until they time out.
  let shuttingDown = false;
  adapter.getInstance().addHook('preClose', async () => {
    shuttingDown = true;
  });
  adapter.getInstance().addHook('onSend', (_request, reply, payload, done) => {
    if (shuttingDown) {
      void reply.header('Connection', 'close');
    }
    done(null, payload);
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, databaseUrl, connect: options.connect, extraImports: options.extraImports }),
    adapter,
    // rawBody: Meta's webhook signature is over the exact bytes received.
    { bufferLogs: true, abortOnError: false, rawBody: true },
  );
  envelopeResponses(adapter.getInstance(), app.get(IdempotencyService));
  app.useLogger(new AppLogger(root));
  app.flushLogs();
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
  });
  return app;
}

/** Starts the service in the role APP_ROLE names: HTTP and workers (`all`), HTTP only (`api`) or workers only. */
export async function startService(config: AppConfig, options: ServiceOptions = {}): Promise<RunningService> {
  const database = await prepareDatabase(config);
  try {
    if (config.role === 'worker') {
      const context = await NestFactory.createApplicationContext(
        AppModule.forRoot({ config, databaseUrl: database.url, extraImports: options.extraImports }),
        { bufferLogs: true, abortOnError: false },
      );
      context.useLogger(new AppLogger(createRootLogger(config)));
      context.flushLogs();
      new Logger('Service').log('Worker started (APP_ROLE=worker)');
      return { context, close: closer(context, database.release) };
    }
    const app = await createHttpApp(config, database.url, options);
    await app.listen({ port: config.http.port, host: config.http.host });
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    const url = `http://${host}:${port}`;
    if (!config.publicUrl) {
      await app.get(SandboxHost).setWebhookBase(url);
    }
    new Logger('Service').log(`OpenWABA listening on ${url} (APP_ROLE=${config.role}); API docs at ${url}/docs`);
    // Stop accepting and drain in-flight requests first; then Nest's hooks finish jobs and close connections.
    const stopHttp = () => app.getHttpAdapter().getInstance().close();
    return { url, context: app, close: closer(app, database.release, stopHttp) };
  } catch (error) {
    await database.release();
    throw error;
  }
}

function closer(
  context: INestApplicationContext,
  releaseDatabase: () => Promise<void>,
  stopHttp?: () => Promise<void>,
): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= (async () => {
      try {
        await stopHttp?.();
        await context.close();
      } finally {
        await releaseDatabase();
      }
    })();
    return closing;
  };
}
