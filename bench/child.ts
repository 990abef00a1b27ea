/** Starts `server-process.ts` in its own Node process and talks to it over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, DiskProbe, InitReply, LoopDelay, Message, Reply, Stats, ServerCpu } from './protocol';

const SCRIPT = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export class ServerProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`server process: ${reply.error}`));
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`server process exited (code ${code})`));
      this.pending.clear();
    });
  }

  static start(): ServerProcess {
    const execArgv = ['--import', 'tsx', '--expose-gc'];
    const child = fork(SCRIPT, [], { cwd: ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new ServerProcess(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private call<T>(command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...command, id } satisfies Message);
    });
  }

  init(publicKeyPem: string, webhookUrl: string): Promise<InitReply> {
    return this.call({ cmd: 'init', publicKeyPem, webhookUrl });
  }

  /** Memory after a forced GC, and row counts. */
  stats(): Promise<Stats> {
    return this.call({ cmd: 'stats' });
  }

  /** CPU µs (user + system) the server process has used so far, all threads and its main thread alone. */
  cpu(): Promise<ServerCpu> {
    return this.call({ cmd: 'cpu' });
  }

  /** The latency of a durable (fsync'd) one-row SQLite commit on the server's disk. */
  probeDisk(commits = 100): Promise<DiskProbe> {
    return this.call({ cmd: 'disk', commits });
  }

  /** Restarts the server's event-loop delay histogram. */
  loopReset(): Promise<void> {
    return this.call({ cmd: 'loop-reset' });
  }

  /** The server's event-loop delay since `loopReset`. */
  loop(): Promise<LoopDelay> {
    return this.call({ cmd: 'loop' });
  }

  /** CPU-profiles the server process from now until `profileStop`. */
  profileStart(): Promise<void> {
    return this.call({ cmd: 'profile-start' });
  }

  /** Writes the profile since `profileStart` to `file` (a .cpuprofile that DevTools opens). */
  profileStop(file: string): Promise<void> {
    return this.call({ cmd: 'profile-stop', file });
  }

  waiting(): Promise<number> {
    return this.call({ cmd: 'waiting' });
  }

  /** Stops the server (closing its store and removing its DATA_DIR) and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const timeout = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    try {
      await this.call({ cmd: 'stop' }).catch(() => undefined);
      await this.exited;
    } finally {
      clearTimeout(timeout);
    }
  }

  /** Last resort when the benchmark itself fails. */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
