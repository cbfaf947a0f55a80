import { AesRefSealer } from '../../src/app/sealed-ref';

const CONTEXT = 'tenant-1\u0000rollout-1';
const sealer = new AesRefSealer('a-secret');

/** Every other spelling of the same bytes: the last character's bits past the data, changed. */
const respellings = (sealed: string): string[] => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const head = sealed.slice(0, -1);
  return [...alphabet]
    .map((c) => `${head}${c}`)
    .filter((s) => s !== sealed && Buffer.from(s, 'base64url').equals(Buffer.from(sealed, 'base64url')));
};

describe('sealed references', () => {
  it('open where they were made, and nowhere else', () => {
    const sealed = sealer.seal('{"a":1}', CONTEXT);
    expect(sealer.open(sealed, CONTEXT)).toBe('{"a":1}');
    expect(sealer.open(sealed, 'tenant-1\u0000rollout-2')).toBeNull();
    expect(new AesRefSealer('another').open(sealed, CONTEXT)).toBeNull();
    expect(sealer.seal('{"a":1}', CONTEXT)).not.toBe(sealed);
  });

  it('have one spelling: a reference whose text was altered never opens, even to the same bytes', () => {
    // 7 + 12 + 16 bytes = 35: 47 characters, the last one carrying 2 bits of data and 4 ignored.
    const sealed = sealer.seal('{"a":1}', CONTEXT);
    const others = respellings(sealed);
    expect(others.length).toBeGreaterThan(0);
    for (const other of others) expect(sealer.open(other, CONTEXT)).toBeNull();
    expect(sealer.open(`${sealed}=`, CONTEXT)).toBeNull();
    expect(sealer.open(` ${sealed}`, CONTEXT)).toBeNull();
    expect(sealer.open(`${sealed.slice(0, 10)}*${sealed.slice(10)}`, CONTEXT)).toBeNull();
  });
});
