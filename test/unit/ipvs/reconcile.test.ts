import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reconcile, serviceId, destId } from '../../../src/ipvs/reconcile.ts';
import type { DestConfig, IpvsOp, IpvsTable, ServiceConfig, ServiceKey } from '../../../src/ipvs/types.ts';

const svc = (address: string, port = 80, more: Partial<ServiceConfig> = {}): ServiceConfig => ({
  af: address.includes(':') ? 'inet6' : 'inet',
  protocol: 'tcp',
  address,
  port,
  scheduler: 'wrr',
  flags: 0,
  timeoutS: 0,
  netmask: address.includes(':') ? 128 : 32,
  ...more,
});
const dest = (address: string, weight = 1, more: Partial<DestConfig> = {}): DestConfig => ({
  address,
  port: 80,
  fwd: 'route',
  weight,
  upperThreshold: 0,
  lowerThreshold: 0,
  ...more,
});
const table = (...rows: [ServiceConfig, DestConfig[]][]): IpvsTable => ({ services: rows.map(([service, dests]) => ({ service, dests })) });
const all = () => true;
const key = (s: ServiceConfig): ServiceKey => (s.fwmark ? { af: s.af, fwmark: s.fwmark } : { af: s.af, protocol: s.protocol, address: s.address, port: s.port });

/** A compact form of ops for table-driven expectations. */
function brief(ops: IpvsOp[]): string[] {
  return ops.map((o) => {
    const s = o.service.fwmark ? `fwm${o.service.fwmark}` : `${o.service.address}:${o.service.port}`;
    if ('dest' in o) {
      const w = 'weight' in o.dest ? ` w${o.dest.weight}` : '';
      return `${o.kind} ${s} ${o.dest.address}${w}`;
    }
    return `${o.kind} ${s}`;
  });
}

interface Case {
  name: string;
  wanted: IpvsTable;
  actual: IpvsTable;
  owned?: (s: ServiceKey) => boolean;
  expect: string[];
}

const A = svc('10.0.0.1');
const B = svc('10.0.0.2');
const cases: Case[] = [
  { name: 'both empty', wanted: table(), actual: table(), expect: [] },
  {
    name: 'from empty: service then its destinations',
    wanted: table([A, [dest('10.1.0.1'), dest('10.1.0.2', 5)]]),
    actual: table(),
    expect: ['new-service 10.0.0.1:80', 'new-dest 10.0.0.1:80 10.1.0.1 w1', 'new-dest 10.0.0.1:80 10.1.0.2 w5'],
  },
  { name: 'identical tables: nothing', wanted: table([A, [dest('10.1.0.1')]]), actual: table([A, [dest('10.1.0.1')]]), expect: [] },
  {
    name: 'weight change is one SET_DEST',
    wanted: table([A, [dest('10.1.0.1', 7), dest('10.1.0.2')]]),
    actual: table([A, [dest('10.1.0.1', 1), dest('10.1.0.2')]]),
    expect: ['set-dest 10.0.0.1:80 10.1.0.1 w7'],
  },
  {
    name: 'quiesce (weight 0) is a SET_DEST, not a delete',
    wanted: table([A, [dest('10.1.0.1', 0)]]),
    actual: table([A, [dest('10.1.0.1', 1)]]),
    expect: ['set-dest 10.0.0.1:80 10.1.0.1 w0'],
  },
  {
    name: 'forwarding method, thresholds and tunnel settings are SET_DEST',
    wanted: table([A, [dest('10.1.0.1', 1, { fwd: 'masq' }), dest('10.1.0.2', 1, { upperThreshold: 5 }), dest('10.1.0.3', 1, { fwd: 'tunnel', tunType: 'gue', tunPort: 6080 })]]),
    actual: table([A, [dest('10.1.0.1'), dest('10.1.0.2'), dest('10.1.0.3', 1, { fwd: 'tunnel', tunType: 'ipip', tunPort: 0, tunFlags: 0 })]]),
    expect: ['set-dest 10.0.0.1:80 10.1.0.1 w1', 'set-dest 10.0.0.1:80 10.1.0.2 w1', 'set-dest 10.0.0.1:80 10.1.0.3 w1'],
  },
  {
    name: 'kernel-reported default tunnel fields equal absent ones',
    wanted: table([A, [dest('10.1.0.1')]]),
    actual: table([A, [dest('10.1.0.1', 1, { tunType: 'ipip', tunPort: 0, tunFlags: 0 })]]),
    expect: [],
  },
  {
    name: 'scheduler change is one SET_SERVICE',
    wanted: table([svc('10.0.0.1', 80, { scheduler: 'rr' }), []]),
    actual: table([A, []]),
    expect: ['set-service 10.0.0.1:80'],
  },
  {
    name: 'persistence change is one SET_SERVICE',
    wanted: table([svc('10.0.0.1', 80, { flags: 1, timeoutS: 300 }), []]),
    actual: table([A, []]),
    expect: ['set-service 10.0.0.1:80'],
  },
  {
    name: 'HASHED from the kernel is ignored',
    wanted: table([A, []]),
    actual: table([svc('10.0.0.1', 80, { flags: 2, flagsMask: 0xffffffff }), []]),
    expect: [],
  },
  {
    name: 'flag bits outside the wanted mask are not compared',
    wanted: table([svc('10.0.0.1', 80, { flags: 0, flagsMask: 0x1 }), []]),
    actual: table([svc('10.0.0.1', 80, { flags: 0x4 | 0x2 }), []]),
    expect: [],
  },
  {
    name: 'removed destination is one DEL_DEST; added one NEW_DEST',
    wanted: table([A, [dest('10.1.0.1'), dest('10.1.0.3')]]),
    actual: table([A, [dest('10.1.0.1'), dest('10.1.0.2')]]),
    expect: ['del-dest 10.0.0.1:80 10.1.0.2', 'new-dest 10.0.0.1:80 10.1.0.3 w1'],
  },
  {
    name: 'removed owned service: one DEL_SERVICE, no DEL_DEST for its destinations',
    wanted: table([A, []]),
    actual: table([A, []], [B, [dest('10.1.0.1'), dest('10.1.0.2')]]),
    expect: ['del-service 10.0.0.2:80'],
  },
  {
    name: 'services not owned are never touched, even when wanted names them',
    wanted: table([svc('10.0.0.1', 80, { scheduler: 'rr' }), [dest('10.1.0.9')]]),
    actual: table([A, [dest('10.1.0.1')]], [B, [dest('10.1.0.2')]]),
    owned: () => false,
    expect: [],
  },
  {
    name: 'ownership decided per service',
    wanted: table(),
    actual: table([A, []], [B, []], [svc('10.0.0.3'), []]),
    owned: (k) => k.address !== '10.0.0.2',
    expect: ['del-service 10.0.0.1:80', 'del-service 10.0.0.3:80'],
  },
  {
    name: 'IPv6 addresses compare canonically',
    wanted: table([svc('2001:db8::1', 443), [dest('2001:db8::a', 2)]]),
    actual: table([svc('2001:0db8:0:0::0001', 443), [dest('2001:DB8::A', 2)]]),
    expect: [],
  },
  {
    name: 'same address, other port or protocol or family is another service',
    wanted: table([svc('10.0.0.1', 443), []], [svc('10.0.0.1', 80, { protocol: 'udp' }), []]),
    actual: table([A, []]),
    expect: ['del-service 10.0.0.1:80', 'new-service 10.0.0.1:443', 'new-service 10.0.0.1:80'],
  },
  {
    name: 'fwmark services keyed by (af, mark)',
    wanted: table([{ af: 'inet', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 }, [dest('10.1.0.1', 3, { port: 0 })]]),
    actual: table([{ af: 'inet', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 32 }, [dest('10.1.0.1', 1, { port: 0 })]], [{ af: 'inet6', fwmark: 5, scheduler: 'rr', flags: 0, timeoutS: 0, netmask: 128 }, []]),
    expect: ['del-service fwm5', 'set-dest fwm5 10.1.0.1 w3'],
  },
  {
    name: 'a wanted service listed twice: the last wins',
    wanted: table([A, [dest('10.1.0.1', 1)]], [A, [dest('10.1.0.1', 9)]]),
    actual: table(),
    expect: ['new-service 10.0.0.1:80', 'new-dest 10.0.0.1:80 10.1.0.1 w9'],
  },
];

for (const c of cases) {
  test(`reconcile: ${c.name}`, () => {
    assert.deepEqual(brief(reconcile(c.wanted, c.actual, c.owned ?? all)), c.expect);
  });
}

test('ops carry configuration only (no counters, no HASHED), with the dest family filled in', () => {
  const actual: IpvsTable = table();
  const wantedSvc = { ...svc('10.0.0.1'), flags: 0x2 | 0x1, timeoutS: 60 };
  const ops = reconcile(table([wantedSvc, [{ ...dest('2001:db8::5'), fwd: 'tunnel' }]]), actual, all);
  assert.deepEqual(ops[0], { kind: 'new-service', service: { af: 'inet', protocol: 'tcp', address: '10.0.0.1', port: 80, scheduler: 'wrr', flags: 1, timeoutS: 60, netmask: 32 } });
  assert.deepEqual(ops[1], {
    kind: 'new-dest',
    service: key(wantedSvc),
    dest: { address: '2001:db8::5', port: 80, af: 'inet6', fwd: 'tunnel', weight: 1, upperThreshold: 0, lowerThreshold: 0 },
  });
});

test('applying the ops to a model of the table reaches the wanted table (1000 random cases)', () => {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const randomTable = (): IpvsTable => {
    const rows: [ServiceConfig, DestConfig[]][] = [];
    const nS = rnd(5);
    for (let i = 0; i < nS; i++) {
      const s = svc(`10.0.0.${1 + rnd(6)}`, 80, { scheduler: ['rr', 'wrr', 'lc'][rnd(3)] });
      const ds: DestConfig[] = [];
      for (let j = rnd(5); j > 0; j--) ds.push(dest(`10.1.0.${1 + rnd(6)}`, rnd(4)));
      rows.push([s, ds]);
    }
    return table(...rows);
  };
  // The model: service id -> (config, dest id -> config), mutated as the kernel would.
  type Model = Map<string, { s: ServiceConfig; d: Map<string, DestConfig> }>;
  const load = (t: IpvsTable): Model => {
    const m: Model = new Map();
    for (const r of t.services) m.set(serviceId(r.service), { s: r.service, d: new Map(r.dests.map((d) => [destId(d, r.service.af), d])) });
    return m;
  };
  const applyOps = (m: Model, ops: IpvsOp[]) => {
    for (const o of ops) {
      const id = serviceId(o.service);
      switch (o.kind) {
        case 'new-service':
          assert.ok(!m.has(id), 'EEXIST');
          m.set(id, { s: o.service, d: new Map() });
          break;
        case 'set-service':
          assert.ok(m.has(id), 'ESRCH');
          m.get(id)!.s = o.service;
          break;
        case 'del-service':
          assert.ok(m.delete(id), 'ESRCH');
          break;
        case 'new-dest':
        case 'set-dest': {
          const e = m.get(id);
          assert.ok(e, 'ESRCH');
          const did = destId(o.dest, o.service.af);
          assert.equal(e.d.has(did), o.kind === 'set-dest', o.kind === 'new-dest' ? 'EEXIST' : 'ENOENT');
          e.d.set(did, o.dest);
          break;
        }
        case 'del-dest':
          assert.ok(m.get(id)?.d.delete(destId(o.dest, o.service.af)), 'ENOENT');
          break;
      }
    }
  };
  const view = (m: Model): IpvsTable => ({ services: [...m.values()].map((e) => ({ service: e.s, dests: [...e.d.values()] })) });
  for (let i = 0; i < 1000; i++) {
    const wanted = randomTable();
    const actual = randomTable();
    const model = load(actual);
    applyOps(model, reconcile(wanted, actual, all));
    assert.deepEqual(reconcile(wanted, view(model), all), [], `case ${i} did not converge`);
  }
});
