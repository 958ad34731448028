// The distributed mode: attempts run by workers on other machines through BullMQ queues in Redis.
export { AttemptWorker, type AttemptWorkerOptions } from './attempt-worker.js';
export { CoordinatorLease } from './coordinator-lease.js';
export { DEFAULT_LOCK_MS, RemoteAttempts } from './remote-attempts.js';
export { redisPrefixOf } from './queue-names.js';
export { checkRedis, REDIS_PASSWORD_VARIABLE, redisConnectionOf, type RedisConnection } from './redis-connection.js';
export { readWorkersHealth, RUNNER_ID, setWorkerDrain } from './worker-health.js';
