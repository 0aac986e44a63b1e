export { serveJobs, type ThreadJobs } from './thread-jobs.serve';
export { WorkerPool, type WorkerPoolOptions } from './worker.pool';
