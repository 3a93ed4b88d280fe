import { describeQueueBackend } from '../helpers/queue-backend-suite';

describeQueueBackend('redis', {});
