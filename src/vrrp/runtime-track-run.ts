// The running half of track_script (runtime-track.ts has the pure half): one ScriptTracker per
// tracked vrrp_script on a shared scheduler, each OK/KO change delivered to every user. Loaded
// only when a configuration tracks scripts (it brings the scheduler and execa).
import { Scheduler, ScriptTracker } from '../scheduler/index.ts';
import { prepareScript, probeScript, resolveUser, type UserId } from '../../checks/script.ts';
import { initialOk, trackerFor, type ScriptTracking, type TrackOptions } from './runtime-track.ts';
import type { TrackerState } from './priority.ts';

export class ScriptTracks {
  readonly scheduler: Scheduler;
  #opts: TrackOptions;
  #tracks: ScriptTracking[];

  constructor(tracks: ScriptTracking[], opts: TrackOptions) {
    this.#tracks = tracks;
    this.#opts = opts;
    this.scheduler = new Scheduler({ clock: opts.clock, logger: opts.log });
  }

  /** Initial tracker states for every user (set before the instances start). */
  initial(): { instance: string; tracker: TrackerState }[] {
    const out: { instance: string; tracker: TrackerState }[] = [];
    for (const t of this.#tracks) for (const u of t.users) out.push({ instance: u.instance, tracker: trackerFor(t.script.name, u, initialOk(u, t.script.initFail)) });
    return out;
  }

  start(): void {
    const log = this.#opts.log;
    for (const t of this.#tracks) {
      const s = t.script;
      let user: UserId | undefined;
      const who = s.user ?? this.#opts.scriptUser;
      try {
        user = who && who.length > 0 ? resolveUser(who[0], who[1]) : undefined;
      } catch (e) {
        log.error(`VRRP_Script(${s.name}) ${(e as Error).message}`);
      }
      const prep = prepareScript(s.script, { user, enableScriptSecurity: this.#opts.enableScriptSecurity });
      if (prep.refused) log.error(prep.refused.detail);
      const tracker = new ScriptTracker({
        name: s.name,
        probe: (signal) => probeScript(prep, { timeoutMs: s.timeoutMs, user }, signal),
        intervalMs: s.intervalMs,
        rise: s.rise,
        fall: s.fall,
        initFail: s.initFail,
        logger: log,
        onChange: (ok) => {
          for (const u of t.users) this.#opts.deliver(u.instance, trackerFor(s.name, u, ok));
        },
      });
      this.scheduler.add(tracker.job());
    }
  }

  async stop(): Promise<void> {
    await this.scheduler.stop();
  }
}

