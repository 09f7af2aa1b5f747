import {
  applyMessageFilters,
  buildIdHandler,
  contentFilterMismatch,
  contentFiltersOf,
  ResponseFilterStream,
  responseFilters,
  type FilterContext,
} from '../../../src/hold/filters';
import { processDirectives, variableHandler } from '../../../src/hold/format-directives';

function ctx(sub: Record<string, string>, pub: Record<string, string> = {}, prevIds: Array<[string, string | undefined]> = []): FilterContext {
  return { subMeta: sub, pubMeta: pub, prevIds: new Map(prevIds) };
}

const text = (o: ReturnType<typeof applyMessageFilters>): unknown => (o.action === 'send' ? o.content.toString() : o);

describe('processDirectives', () => {
  const vars = variableHandler((n) => ({ name: 'Bob', user: 'alice', empty: '' })[n]);

  it('expands %(name)s and %%, keeps the rest byte for byte', () => {
    const r = processDirectives(Buffer.from('hi %(name)s / %(user)s %% é'), vars);
    expect(r.ok && r.out.toString()).toBe('hi Bob / alice % é');
  });

  it('reports Pushpin error messages with byte positions', () => {
    const err = (s: string): unknown => {
      const r = processDirectives(Buffer.from(s), vars);
      return r.ok ? r.out.toString() : r.error;
    };
    expect(err('a %(nope)s')).toBe("No such variable 'nope' at position 9");
    expect(err('a %x')).toBe("Unknown directive 'x' at position 3");
    expect(err('%s')).toBe("Directive 's' requires argument at position 1");
    expect(err('%1')).toBe("Unknown directive '1' at position 1");
    expect(err('abc%')).toBe("Expected directive after '%' at position 3");
    expect(err('%(')).toBe("Expected character after '(' at position 1");
    expect(err('%(abc')).toBe('Unterminated field starting at position 1');
    expect(err('%(a)')).toBe("Expected directive after ')' at position 3");
    expect(err('%(a\\')).toBe("Expected character after '\\' at position 3");
    expect(err('%(empty)s!')).toBe('!');
    expect(err('%(na\\me)s')).toBe('Bob');
  });

  it('stops before a directive cut at the end when partial input is allowed', () => {
    const r = processDirectives(Buffer.from('ab %(na'), vars, true);
    expect(r.ok && [r.out.toString(), r.consumed]).toEqual(['ab ', 3]);
    const whole = processDirectives(Buffer.from('no directive'), vars, true);
    expect(whole.ok && whole.consumed).toBe(12);
  });
});

describe('delivery filters', () => {
  const body = Buffer.from('x');

  it('skip-self drops when sub-meta user equals pub-meta sender (both non-empty)', () => {
    expect(applyMessageFilters(['skip-self'], ctx({ user: 'alice' }, { sender: 'alice' }), body)).toEqual({ action: 'drop' });
    expect(text(applyMessageFilters(['skip-self'], ctx({ user: 'alice' }, { sender: 'bob' }), body))).toBe('x');
    expect(text(applyMessageFilters(['skip-self'], ctx({ user: '' }, { sender: '' }), body))).toBe('x');
    expect(text(applyMessageFilters(['skip-self'], ctx({}, { sender: 'alice' }), body))).toBe('x');
  });

  it('skip-users drops when the user is in the trimmed comma list', () => {
    expect(applyMessageFilters(['skip-users'], ctx({ user: 'bob' }, { skip_users: 'alice, bob ,carol' }), body)).toEqual({ action: 'drop' });
    expect(text(applyMessageFilters(['skip-users'], ctx({ user: 'bo' }, { skip_users: 'alice,bob' }), body))).toBe('x');
    expect(text(applyMessageFilters(['skip-users'], ctx({}, { skip_users: ',,' }), body))).toBe('x');
  });

  it('require-sub drops unless the connection is on the named channel', () => {
    expect(applyMessageFilters(['require-sub'], ctx({}, { require_sub: 'vip' }, [['news', undefined]]), body)).toEqual({ action: 'drop' });
    expect(text(applyMessageFilters(['require-sub'], ctx({}, { require_sub: 'vip' }, [['vip', undefined]]), body))).toBe('x');
    expect(text(applyMessageFilters(['require-sub'], ctx({}, {}, []), body))).toBe('x');
  });

  it('runs filters in order: a drop stops the chain, unknown names are ignored', () => {
    const c = ctx({ user: 'alice', name: 'Bob' }, { sender: 'alice' });
    expect(applyMessageFilters(['skip-self', 'var-subst'], c, Buffer.from('%(nope)s'))).toEqual({ action: 'drop' });
    expect(text(applyMessageFilters(['no-such-filter', 'var-subst'], ctx({ name: 'Bob' }), Buffer.from('hi %(name)s')))).toBe('hi Bob');
  });
});

describe('content filters', () => {
  it('var-subst substitutes sub-meta and names itself in errors', () => {
    const c = ctx({ user: 'alice', name: 'Bob' });
    expect(text(applyMessageFilters(['var-subst'], c, Buffer.from('hi %(name)s / %(user)s %%')))).toBe('hi Bob / alice %');
    expect(applyMessageFilters(['var-subst'], c, Buffer.from('a %(nope)s'))).toEqual({ action: 'error', message: "var-subst: No such variable 'nope' at position 9" });
  });

  it('build-id renders id_format with the last ids, literal ids, hex encoding', () => {
    const c = ctx({ id_format: '<%(b5)s>', id_encoding: 'hex' }, {}, [['b5', '6']]);
    expect(text(applyMessageFilters(['build-id'], c, Buffer.from('z %I %(ab)I %%')))).toBe('z 3c363e 6162 %');
    const plain = ctx({ id_format: 'id-%(c)s' }, {}, [['c', '42']]);
    expect(text(applyMessageFilters(['build-id'], plain, Buffer.from('[%I]')))).toBe('[id-42]');
  });

  it('build-id errors: no id_format, unknown channel, no last id, bad encoding', () => {
    expect(applyMessageFilters(['build-id'], ctx({}, {}, [['c', '1']]), Buffer.from('%I'))).toEqual({ action: 'error', message: "build-id: no sub meta 'id_format'" });
    expect(applyMessageFilters(['build-id'], ctx({ id_format: '<%(b4)s>' }, {}, [['b4', undefined]]), Buffer.from('%I'))).toEqual({
      action: 'error',
      message: "build-id: failed to render ID: No such variable 'b4' at position 6",
    });
    expect(applyMessageFilters(['build-id'], ctx({ id_format: 'x' }, {}, []), Buffer.from('init %I'))).toEqual({
      action: 'error',
      message: 'build-id: No ID specified and no default ID in context at position 6',
    });
    expect(buildIdHandler({ subMeta: { id_format: 'x', id_encoding: 'b64' }, prevIds: new Map() })).toEqual({ ok: false, error: 'unsupported encoding: b64' });
  });

  it('checks content-filters agreement (same content filters, same order)', () => {
    expect(contentFiltersOf(['skip-self', 'var-subst', 'build-id'])).toEqual(['var-subst', 'build-id']);
    expect(contentFilterMismatch(['var-subst'], undefined)).toBeUndefined();
    expect(contentFilterMismatch(['skip-self', 'var-subst'], ['var-subst'])).toBeUndefined();
    expect(contentFilterMismatch(['var-subst'], ['skip-self'])).toBe('content filter mismatch: subscription=var-subst message=skip-self');
    expect(contentFilterMismatch(['var-subst', 'build-id'], ['build-id', 'var-subst'])).toBeDefined();
    expect(contentFilterMismatch([], [])).toBeUndefined();
    expect(contentFilterMismatch(['var-subst'], [])).toBe('content filter mismatch: subscription=var-subst message=');
  });
});

describe('response filters', () => {
  it('apply build-id of any channel once, with literal ids only (no last ids)', () => {
    expect(responseFilters([{ filters: ['skip-self'] }, { filters: ['build-id'] }, { filters: ['build-id'] }])).toEqual(['build-id']);
    expect(responseFilters([{ filters: ['var-subst'] }])).toEqual([]);
    const ok = new ResponseFilterStream(['build-id'], { id_format: 'x' }).process(Buffer.from('init %(lit)I\n'));
    expect(ok.ok && ok.out.toString()).toBe('init lit\n');
    const bad = new ResponseFilterStream(['build-id'], { id_format: 'x' }).process(Buffer.from('init %I'));
    expect(bad).toEqual({ ok: false, error: 'build-id: No ID specified and no default ID in context at position 6' });
  });

  it('carry a directive cut between two chunks', () => {
    const s = new ResponseFilterStream(['build-id'], { id_format: 'x' });
    const a = s.update(Buffer.from('one %(l'));
    const b = s.update(Buffer.from('it)I two %'));
    const c = s.update(Buffer.from('% end'));
    const d0 = s.finalize();
    expect(a.ok && b.ok && c.ok && d0.ok).toBe(true);
    if (a.ok && b.ok && c.ok) expect(a.out.toString() + b.out.toString() + c.out.toString()).toBe('one lit two % end');
    const d = new ResponseFilterStream(['build-id'], { id_format: 'x' });
    d.update(Buffer.from('tail %'));
    expect(d.finalize()).toEqual({ ok: false, error: "build-id: Expected directive after '%' at position 0" });
  });

  it('pass bodies through untouched without filters', () => {
    const s = new ResponseFilterStream([], {});
    expect(s.active).toBe(false);
    const r = s.process(Buffer.from('%I broken %'));
    expect(r.ok && r.out.toString()).toBe('%I broken %');
  });
});
