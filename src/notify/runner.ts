// Runs notify scripts and writes notify FIFO lines for VRRP transitions (keepalived
// vrrp_notify.c send_instance_notifies / send_group_notifies). Which commands and which argv come
// from hooks.ts (pure); here they are executed: argv only through execa (never a shell built
// from text we did not write; scripts without a #! line go through /bin/sh with every argument
// single-quoted, exactly as keepalived's cmd_str, see checks/script.ts prepareScript), each in its
// own process group, fire-and-forget like keepalived (not awaited, may overlap), with a timeout
// so a hung script cannot pile up. The user is the script's `USER [GROUP]`, else global
// script_user.

import { execa } from 'execa';
import type { Logger } from '../obs/log.ts';
import { notifyRuns, vrrpFifoLine, type NotifyCommand, type NotifyConfig, type NotifySubject } from './hooks.ts';
import { FifoWriter } from './fifo.ts';
import { prepareScript, resolveUser, splitCommand, type UserId } from '../../checks/script.ts';

export interface NotifyRunnerOptions {
  log: Logger;
  /** vrrp_notify_fifo / notify_fifo path. */
  fifoPath?: string;
  /** global script_user `USER [GROUP]`. */
  scriptUser?: string[];
  enableScriptSecurity?: boolean;
  /** Kill a notify script after this long (default 30 s; keepalived gives notify_stop 1 s at exit). */
  timeoutMs?: number;
}

/** A configured command string (+ optional `USER [GROUP]`) as a NotifyCommand. */
export function notifyCommand(script: string | undefined, user?: string[]): NotifyCommand | undefined {
  if (script === undefined || script.trim() === '') return undefined;
  let argv: string[];
  try {
    argv = splitCommand(script);
  } catch {
    return undefined;
  }
  return { argv, user: user?.[0], group: user?.[1] };
}

export class NotifyRunner {
  #opts: NotifyRunnerOptions;
  #fifo: FifoWriter | undefined;
  #running = new Set<Promise<unknown>>();
  /** Process group ids of the scripts still running (killed at close(), as keepalived's script_killall). */
  #pgids = new Set<number>();

  constructor(opts: NotifyRunnerOptions) {
    this.#opts = opts;
    if (opts.fifoPath) {
      this.#fifo = new FifoWriter(opts.fifoPath);
      const err = this.#fifo.open();
      if (err) opts.log.error(err);
    }
  }

  /** One transition: the scripts in keepalived's order, then the FIFO line. */
  notify(cfg: NotifyConfig, s: NotifySubject): void {
    for (const run of notifyRuns(cfg, s)) this.exec(run.argv, run.user ?? this.#opts.scriptUser?.[0], run.group ?? this.#opts.scriptUser?.[1], run.source);
    this.#fifo?.write(vrrpFifoLine(s));
  }

  /** A FIFO-only event (MASTER_RX_LOWER_PRI, priority changes). */
  fifo(kind: 'INSTANCE' | 'GROUP', name: string, state: string, priority: number): void {
    this.#fifo?.write(vrrpFifoLine({ kind, name, state, priority }));
  }

  /** Starts one command; never throws, never waits. */
  exec(argv: string[], user: string | undefined, group: string | undefined, source: string): void {
    const log = this.#opts.log;
    let uid: UserId | undefined;
    try {
      uid = user ? resolveUser(user, group) : undefined;
    } catch (e) {
      log.error(`${source}: ${(e as Error).message}`);
      return;
    }
    const prep = prepareScript(argv, { user: uid, enableScriptSecurity: this.#opts.enableScriptSecurity });
    if (prep.refused) {
      log.error(`${source}: ${prep.refused.detail}`);
      return;
    }
    try {
      const child = execa(prep.file, prep.fileArgs, {
        detached: true,
        stdin: 'ignore',
        stdout: 'ignore',
        stderr: 'ignore',
        reject: false,
        cwd: '/',
        timeout: this.#opts.timeoutMs ?? 30_000,
        killSignal: 'SIGKILL',
        ...(uid ? { uid: uid.uid, gid: uid.gid } : {}),
      });
      const p = child.then(
        (r) => {
          if (r.failed) log.debug(`${source} ${argv.join(' ')}: ${r.shortMessage}`);
        },
        () => undefined,
      );
      this.#running.add(p);
      const pgid = child.pid;
      if (pgid) this.#pgids.add(pgid);
      void p.finally(() => {
        this.#running.delete(p);
        if (pgid) this.#pgids.delete(pgid);
      });
    } catch (e) {
      log.error(`${source}: cannot run ${argv[0]}: ${(e as Error).message}`);
    }
  }

  /** Waits (bounded) for running scripts, e.g. notify_stop at exit. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.#running.size === 0) return;
    await Promise.race([Promise.allSettled([...this.#running]), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /**
   * At exit (after drain): scripts still running get SIGTERM to their process group, SIGKILL a
   * second later (keepalived vrrp_terminate_phase1: script_killall(SIGTERM), then a backstop).
   * Without it a hung notify script kept the stopped daemon alive until its timeout (30 s) and
   * outlived it.
   */
  close(): void {
    this.#fifo?.close();
    const kill = (sig: NodeJS.Signals) => {
      // Only groups whose script has not been reaped yet (no signal to a reused id).
      for (const g of this.#pgids) {
        try {
          process.kill(-g, sig);
        } catch {
          // already gone
        }
      }
    };
    if (this.#pgids.size === 0) return;
    kill('SIGTERM');
    setTimeout(() => kill('SIGKILL'), 1000).unref();
  }
}
