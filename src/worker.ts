import 'reflect-metadata';
import { run } from './main';

/** Entry point for a workers-only process: `node dist/src/worker.js` (same as APP_ROLE=worker). */
void run('worker');
