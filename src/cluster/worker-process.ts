/**
 * The entry point of a worker process (`workers` > 1): forked by the supervisor through `node:cluster`,
 * configured by the JSON in `THUMBTACK_WORKER`. It runs one Worker (client port shared through cluster,
 * its own subscribers, channel index and timer wheel), receives items over the ZeroMQ bus, and sends its
 * stats events to the supervisor.
 */
import cluster from 'node:cluster';
import { RouteTable } from '../config/route-table';
import { parseRoutes } from '../config/routes';
import { installGcOnSignal } from '../core/gc-signal';
import { Logger } from '../core/logger';
import { BufferedLogSink } from '../core/buffered-log-sink';
import { answerMonitorRequest } from '../metrics/worker-source';
import { Worker } from '../worker';
import { WORKER_SETUP_ENV, type FromWorker, type ToWorker, type WorkerSetup } from './messages';
import { StatsForwarder } from './stats-forwarder';
import { workerMarker, ZmqBusClient } from './zmq-bus';

function send(message: FromWorker): void {
  if (process.connected && process.send) process.send(message);
}

async function runWorker(): Promise<void> {
  const raw = process.env[WORKER_SETUP_ENV];
  if (!raw) throw new Error(`${WORKER_SETUP_ENV} is not set: this file is started by the supervisor`);
  const setup = JSON.parse(raw) as WorkerSetup;
  const workerId = cluster.worker?.id ?? process.pid;
  const logger = new Logger(setup.logLevel, new BufferedLogSink(process.stderr), { worker: workerId }, setup.logFormat);
  const bus = new ZmqBusClient(setup.busEndpoint, logger);
  bus.start(workerMarker(String(process.pid)));
  bus.onApplied((seq) => send({ type: 'applied', seq }));
  const routes = { current: new RouteTable(parseRoutes(setup.routesText, setup.routesFile).routes) };
  const stats = new StatsForwarder(workerId, (events) => send({ type: 'stats', events }));
  const worker = new Worker({
    config: setup.config,
    bus,
    logger,
    routes,
    backendTimeoutMs: setup.backendTimeoutMs,
    maxQueuedBytes: setup.maxQueuedBytes,
    stats,
    workerId,
    steerYoungGeneration: true,
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await worker.close();
    stats.flush();
    await bus.close();
    process.exit(0);
  };
  process.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'routes':
        routes.current = new RouteTable(parseRoutes(message.text, message.file).routes);
        logger.info(`routes loaded with ${routes.current.size} entries`);
        break;
      case 'recover':
        worker.recover();
        break;
      case 'refresh':
        if (message.cid !== undefined) worker.websockets.refreshConnection(message.cid);
        if (message.channel !== undefined) worker.websockets.refreshChannel(message.channel);
        break;
      case 'shutdown':
        void stop();
        break;
      case 'monitor':
        answerMonitorRequest(worker.monitor, message.request).then(
          (reply) => send({ type: 'monitor', id: message.id, reply }),
          (err: unknown) => logger.error('monitor request failed', { error: err instanceof Error ? err.stack : String(err) }),
        );
        break;
    }
  });
  // The supervisor going away (killed, crashed) takes its workers with it.
  process.on('disconnect', () => void stop());
  // A message to a supervisor that has just exited fails (EPIPE): cluster reports it as an 'error' on
  // the worker object, which would crash this process mid-shutdown. Nobody is left to tell; stop.
  cluster.worker?.on('error', (err: Error) => {
    if (!stopping) logger.warn('supervisor channel failed; stopping', { error: err.message });
    void stop();
  });
  // A signal to the whole process group (Ctrl-C, systemd's stop) also reaches the supervisor, which drains
  // every worker in order; a worker acts on its own only when the supervisor is gone.
  const onSignal = (): void => {
    if (!process.connected) void stop();
  };
  installGcOnSignal();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const ports = await worker.listen(setup.listen);
  send({ type: 'ready', ports });
}

runWorker().catch((err: unknown) => {
  process.stderr.write(`worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
