// track_file for VRRP instances and sync groups (keepalived/trackers/track_file.c): the integer in
// a file, times the tracker's weight (and reverse), is added to the priority; with weight 0 a
// non-zero value faults the instance, and a product <= -254 faults it too (trackFileStatus in
// src/scheduler/track.ts). keepalived watches the files with inotify; we do the same through
// fs.watch on the file's directory (the file may not exist yet, and writers often replace it by
// rename), with a slow poll as a safety net. `init_file` creates (or overwrites) the file at start.
//
// The fsm takes trackers as OK/KO with a weight; a track_file's current effect maps onto that:
// a delta d > 0 is {weight d, OK}, d < 0 is {weight d, KO}, a fault is {weight 0, KO}, and 0 is a
// weighted tracker that adds nothing.

import { existsSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../obs/log.ts';
import type { TrackerState } from './priority.ts';
import type { TrackFile } from '../config/model.ts';
import { trackFileStatus } from '../scheduler/track.ts';
import { probeTrackFile } from '../../checks/track-file.ts';

export interface FileUser {
  instance: string;
  weight: number;
  reverse: boolean;
}

export function fileTrackerName(name: string): string {
  return `file:${name}`;
}

/** The TrackerState a user sees for a file holding `value`. */
export function fileTracker(name: string, u: FileUser, value: number): TrackerState {
  const st = trackFileStatus(value, { weight: u.weight, reverse: u.reverse });
  const n = fileTrackerName(name);
  if (st.fault) return { name: n, weight: 0, reverse: false, ok: false };
  if (st.delta > 0) return { name: n, weight: st.delta, reverse: false, ok: true };
  if (st.delta < 0) return { name: n, weight: st.delta, reverse: false, ok: false };
  return { name: n, weight: 1, reverse: false, ok: false };
}

export class FileTracks {
  #files: { file: TrackFile; users: FileUser[] }[];
  #log: Logger;
  #deliver: (instance: string, t: TrackerState) => void;
  #watchers: FSWatcher[] = [];
  #timers: NodeJS.Timeout[] = [];
  #values = new Map<string, number>();

  constructor(files: { file: TrackFile; users: FileUser[] }[], log: Logger, deliver: (instance: string, t: TrackerState) => void) {
    this.#files = files;
    this.#log = log;
    this.#deliver = deliver;
  }

  /** Creates init files, reads every file once and delivers the initial states. */
  async start(): Promise<void> {
    for (const f of this.#files) {
      const init = f.file.initFile;
      if (init && (init.overwrite || !existsSync(f.file.path))) {
        try {
          writeFileSync(f.file.path, `${init.value}\n`);
        } catch (e) {
          this.#log.error(`track_file ${f.file.name}: cannot write ${f.file.path}: ${(e as Error).message}`);
        }
      }
      await this.#read(f);
      const refresh = () => void this.#read(f);
      try {
        const w = watch(dirname(f.file.path), { persistent: false }, (_ev, name) => {
          if (name === null || name === basename(f.file.path)) refresh();
        });
        w.on('error', () => undefined);
        this.#watchers.push(w);
      } catch {
        // directory missing: the poll below still notices the file once it appears
      }
      const t = setInterval(refresh, 5000);
      t.unref();
      this.#timers.push(t);
    }
  }

  async #read(f: { file: TrackFile; users: FileUser[] }): Promise<void> {
    const r = await probeTrackFile(f.file.path);
    if (r.reason === 'range') {
      this.#log.warn(r.detail);
      return;
    }
    const value = r.value ?? 0;
    if (this.#values.get(f.file.name) === value) return;
    this.#values.set(f.file.name, value);
    this.#log.info(`Track file ${f.file.name} value ${value}`);
    for (const u of f.users) this.#deliver(u.instance, fileTracker(f.file.name, u, value));
  }

  stop(): void {
    for (const w of this.#watchers) w.close();
    for (const t of this.#timers) clearInterval(t);
    this.#watchers = [];
    this.#timers = [];
  }
}

/** Who tracks which file: instances directly, and every member of a sync group that tracks it. */
export function fileTrackings(
  files: readonly TrackFile[],
  instances: readonly { name: string; trackFiles: readonly { name: string; weight: number; reverse: boolean }[] }[],
  groups: readonly { group: readonly string[]; trackFiles: readonly { name: string; weight: number; reverse: boolean }[] }[],
): { file: TrackFile; users: FileUser[] }[] {
  const out = new Map<string, { file: TrackFile; users: FileUser[] }>();
  const use = (name: string, u: FileUser) => {
    const file = files.find((f) => f.name === name);
    if (!file) return;
    let t = out.get(name);
    if (!t) out.set(name, (t = { file, users: [] }));
    if (!t.users.some((x) => x.instance === u.instance)) t.users.push(u);
  };
  for (const i of instances) for (const r of i.trackFiles) use(r.name, { instance: i.name, weight: r.weight, reverse: r.reverse });
  for (const g of groups) for (const r of g.trackFiles) for (const m of g.group) use(r.name, { instance: m, weight: r.weight, reverse: r.reverse });
  return [...out.values()];
}
