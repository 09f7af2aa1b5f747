import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { ThumbtackConfig } from '../config/config';

/** File descriptors a worker keeps for itself (listeners, backend pools, logs, ZeroMQ) besides clients. */
const RESERVED_FILES = 1000;

/** The soft open-files limit of this process (`/proc/self/limits`), or undefined when unknown. */
export function openFilesLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!m || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

/**
 * Room left in each worker's open files when the files limit decides the worker count: node:cluster's
 * round-robin is not exactly even (see `workerMaxconn`), and with 11 workers for 200,000 connections,
 * each allowed 19,000, a worker got its 19,001st connection in 1 of 11 runs and refused 636 with 503.
 */
export const FILES_HEADROOM = 1.1;

/**
 * How many workers to run: `workers` when set; otherwise one per core, and more when `client_maxconn`
 * client connections (each also needs a backend-side file while being forwarded) would not fit in one
 * process's open-files limit with FILES_HEADROOM to spare.
 */
export function resolveWorkerCount(config: Pick<ThumbtackConfig, 'workers' | 'clientMaxconn'>, cores = availableParallelism(), filesLimit = openFilesLimit()): number {
  if (config.workers > 0) return config.workers;
  if (filesLimit === undefined || filesLimit <= RESERVED_FILES) return cores;
  const perWorker = (filesLimit - RESERVED_FILES) / FILES_HEADROOM;
  return Math.max(cores, Math.ceil(config.clientMaxconn / perWorker));
}

/** Slack on each worker's share of `client_maxconn` (see `workerMaxconn`). */
export const MAXCONN_SLACK = 1.25;

/**
 * A worker's own `client_maxconn`: its share of the instance's, plus 25 %, capped by what its open-files
 * limit allows. node:cluster hands connections out round-robin to whichever worker is free, which is not
 * exactly even (200,000 connections over 12 workers came out a few hundred apart); an exact share refused
 * connections with 503 while other workers had room. So the instance-wide limit holds to within the slack.
 */
export function workerMaxconn(clientMaxconn: number, workers: number, filesLimit = openFilesLimit()): number {
  if (workers <= 1) return clientMaxconn;
  const share = Math.ceil(clientMaxconn / workers);
  const withSlack = Math.ceil(share * MAXCONN_SLACK);
  const filesCap = filesLimit === undefined || filesLimit <= RESERVED_FILES ? Infinity : filesLimit - RESERVED_FILES;
  return Math.max(share, Math.min(withSlack, filesCap));
}
