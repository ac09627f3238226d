import { describe, expect, it } from 'vitest';
import { Pacer } from '../../workflows/pacer';

describe('rate limit pacing', () => {
  it('lets batches start at once without a limit', () => {
    const pacer = new Pacer();
    pacer.started(500, 1_000);
    expect(pacer.notBefore).toBe(0);
    expect(pacer.batchCap(500)).toBe(500);
  });

  it('spaces batches by their share of a second and caps them at one second of profiles', () => {
    const pacer = new Pacer();
    pacer.setRate(10);
    expect(pacer.batchCap(100)).toBe(10);
    pacer.started(10, 5_000);
    expect(pacer.notBefore).toBe(6_000);
    pacer.setRate(0.5);
    expect(pacer.batchCap(100)).toBe(1);
  });

  it('applies a changed rate to the batch already sent', () => {
    const pacer = new Pacer();
    pacer.setRate(1);
    pacer.started(1, 0);
    expect(pacer.notBefore).toBe(1_000);
    pacer.setRate(0.25);
    expect(pacer.notBefore).toBe(4_000);
    pacer.setRate(null);
    expect(pacer.notBefore).toBe(0);
  });
});
