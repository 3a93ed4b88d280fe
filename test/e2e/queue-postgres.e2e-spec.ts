import { describeQueueBackend } from '../helpers/queue-backend-suite';

// Without REDIS_URL, BullMQ runs on its PostgreSQL backend in the service's own database.
describeQueueBackend('postgres', { REDIS_URL: '' });
