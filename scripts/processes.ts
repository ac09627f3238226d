import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * Starts a server in its own process group with its output appended to `logFile`.
 * Ctrl-C in the terminal then reaches only our process, which stops its parts in order.
 * Until `release()` is called, the server is signalled when our process exits, even on a crash.
 */
export async function spawnServer(
  command: string,
  args: string[],
  options: { logFile: string; stopSignal: NodeJS.Signals; uid?: number; gid?: number },
): Promise<{ child: ChildProcess; release(): void }> {
  const { logFile, stopSignal, ...owner } = options;
  const out = await open(logFile, 'a');
  let child: ChildProcess;
  let started: Promise<unknown>;
  try {
    child = spawn(command, args, { ...owner, detached: true, stdio: ['ignore', out.fd, out.fd] });
    // A missing or unrunnable binary is reported here rather than as a crash of our process.
    started = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new Error(`could not run ${command}`, { cause: err })));
    });
  } finally {
    await out.close();
  }
  await started;
  child.on('error', () => {}); // later errors (a failed kill) show as a missing exit instead
  const onExit = () => child.kill(stopSignal);
  process.once('exit', onExit);
  return { child, release: () => process.removeListener('exit', onExit) };
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Sends `signal` and waits for the exit; escalates to SIGKILL after `timeoutMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs = 30_000,
): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Stops process `pid` if it is still running with `marker` among its arguments: a server of
 * ours orphaned when an earlier run was killed. Checks the arguments because after a reboot
 * the same id may belong to an unrelated process. Linux only; elsewhere it does nothing.
 * Returns whether it stopped one.
 */
export async function stopOrphan(
  pid: number,
  marker: string,
  signal: NodeJS.Signals,
): Promise<boolean> {
  if (process.platform !== 'linux' || !Number.isInteger(pid) || pid <= 0) return false;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  if (!cmdline?.split('\0').includes(marker)) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + 30_000;
  while (existsSync(`/proc/${pid}`)) {
    if (Date.now() > deadline) throw new Error(`process ${pid} (${marker}) did not stop`);
    await sleep(100);
  }
  return true;
}

/** The end of a log file, for an error message. */
export async function tail(file: string, chars = 2000): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.slice(-chars);
}

/** Polls `check` until it gives a truthy value, which it returns; fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A TCP port free right now on 127.0.0.1; another program may still take it first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** Throws a message naming `setting` when something already listens on 127.0.0.1:`port`. */
export function assertPortFree(port: number, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`port ${port} is already in use: stop what listens there or set ${setting}`)
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}
