// Lab actions: every shape the issue names is taken, and every refusal names the field at fault.
import { describe, expect, it } from 'vitest';
import { validateLabAction, validateLabScenario } from '../src/index.js';

const fieldOf = (value: unknown) => {
  const checked = validateLabAction(value);
  return checked.ok ? null : checked.details[0]?.path;
};

describe('validateLabAction', () => {
  it('takes every action shape', () => {
    const good = [
      {
        type: 'load',
        system: 'both',
        hosts: 10_000,
        rate: '1/s',
        batch: 1,
        transport: 'http1',
        connections: 'per-host',
      },
      { type: 'load', system: 's2', hosts: 5, transport: 'ws', connections: 4, forS: 30 },
      { type: 'stop-load', system: 's1' },
      { type: 'fault', fault: 'kill-worker', restartAfterS: 10 },
      { type: 'fault', fault: 'restart-redis', persistence: false },
      { type: 'incident', kind: 'network-storm' },
      { type: 'scenario', name: 'worker-crash' },
      { type: 'stop-scenario' },
    ];
    for (const action of good)
      expect(validateLabAction(action), JSON.stringify(action)).toMatchObject({ ok: true });
  });

  it('names the field at fault', () => {
    expect(fieldOf('load')).toBe('/');
    expect(fieldOf({})).toBe('/type');
    expect(fieldOf({ type: 'explode' })).toBe('/type');
    expect(fieldOf({ type: 'load', system: 'both' })).toBe('/hosts');
    expect(fieldOf({ type: 'load', system: 's3', hosts: 1 })).toBe('/system');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1.5 })).toBe('/hosts');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1, rate: 'fast' })).toBe('/rate');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1, batch: 0 })).toBe('/batch');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1, transport: 'udp' })).toBe('/transport');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1, connections: 'some' })).toBe('/connections');
    expect(fieldOf({ type: 'load', system: 's1', hosts: 1, colour: 'red' })).toBe('/colour');
    expect(fieldOf({ type: 'fault', fault: 'kill-everything' })).toBe('/fault');
    expect(fieldOf({ type: 'fault', fault: 'kill-s2', persistence: true })).toBe('/persistence');
    expect(fieldOf({ type: 'incident', kind: 'flood' })).toBe('/kind');
    expect(fieldOf({ type: 'scenario' })).toBe('/name');
    expect(fieldOf({ type: 'scenario', name: 'a', yaml: 'b' })).toBe('/name');
  });

  it('says what it got in the message', () => {
    const checked = validateLabAction({ type: 'explode' });
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error).toContain('"explode"');
  });
});

describe('validateLabScenario', () => {
  it('takes a scenario of timed steps and refuses a step with an unknown action', () => {
    const scenario = {
      name: 'tiny',
      title: 'Tiny',
      steps: [
        { title: 'load', do: [{ type: 'load', system: 'both', hosts: 10 }], hold: '5s' },
        { title: 'settle', do: [{ type: 'stop-load', system: 'both' }], until: 'drained' },
      ],
    };
    expect(validateLabScenario(scenario).ok).toBe(true);
    const bad = validateLabScenario({ ...scenario, steps: [{ title: 'x', hold: 'soon' }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toContain('/steps/0/hold');
  });
});
