import type { ThumbtackConfig } from '../config/config';
import type { LogLevel } from '../core/logger';
import type { MonitorReply, MonitorRequest } from '../metrics/worker-source';
import type { DeliveryCounts, HeldConnectionInfo, SubMode } from '../stats/stats-events';

/** What a worker process is started with (JSON in its environment, `THUMBTACK_WORKER`). */
export interface WorkerSetup {
  config: ThumbtackConfig;
  /** The routes text in force and where it came from (the supervisor reads and validates it). */
  routesText: string;
  routesFile: string;
  /** The supervisor's ZeroMQ bus endpoint (XPUB). */
  busEndpoint: string;
  listen: Array<{ host?: string; port: number }>;
  backendTimeoutMs?: number;
  maxQueuedBytes?: number;
  logLevel: LogLevel;
  logFormat: 'json' | 'text';
}

/** One StatsEvents call made in a worker, replayed by the supervisor's stats collector. */
export type StatsEvent =
  | ['request', string | undefined]
  | ['activity', string | undefined, number]
  | ['held', HeldConnectionInfo & { id: string }]
  | ['ended', string]
  | ['sub', SubMode, string]
  | ['unsub', SubMode, string]
  | ['delivered', string, string | undefined, DeliveryCounts, number | undefined];

/** Supervisor → worker. */
export type ToWorker =
  | { type: 'routes'; text: string; file: string }
  | { type: 'recover' }
  | { type: 'refresh'; cid?: string; channel?: string }
  | { type: 'shutdown' }
  /** Metrics, dashboard and the dashboard's close button: answered by a `monitor` reply with the same id. */
  | { type: 'monitor'; id: number; request: MonitorRequest };

/** Worker → supervisor. */
export type FromWorker =
  | { type: 'ready'; ports: number[] }
  | { type: 'stats'; events: StatsEvent[] }
  /** The highest bus message sequence number whose items this worker handed to its subscribers. */
  | { type: 'applied'; seq: number }
  | { type: 'monitor'; id: number; reply: MonitorReply };

export const WORKER_SETUP_ENV = 'THUMBTACK_WORKER';
