import { describe, expect, it } from 'vitest';
import { testApi, uid } from './harness';

/** Dates and numbers are taken only as written: nothing is moved, guessed or read as hex. */
describe('date and number values', async () => {
  const { call } = await testApi();
  const keys = { born: uid('born'), count: uid('count'), ltv: uid('ltv') };
  await call('POST', '/properties', { key: keys.born, type: 'date' });
  await call('POST', '/properties', { key: keys.count, type: 'integer' });
  await call('POST', '/properties', { key: keys.ltv, type: 'float' });

  async function refused(key: string, value: unknown) {
    const id = uid('prf');
    const res = await call('PUT', `/profiles/${id}`, { properties: { [key]: value } });
    expect(res.status).toBe(400);
    expect((await call('GET', `/profiles/${id}`)).status).toBe(404);
    return res.body.error.issues;
  }

  async function refusedMatch(property: string, op: string, match: unknown) {
    const id = uid('grp');
    const res = await call('POST', '/groups', { id, name: 'g', rules: [{ property, op, match }] });
    expect(res.status).toBe(400);
    expect((await call('GET', `/groups/${id}`)).status).toBe(404);
    return res.body.error.issues;
  }

  const path = `properties.${keys.born}`;

  it('refuses a day that does not exist instead of moving it to the next month', async () => {
    expect(await refused(keys.born, '2021-02-30')).toEqual([
      { path, message: 'expected a date that exists (2021-02 has 28 days), got "2021-02-30"' },
    ]);
    expect(await refused(keys.born, '2021-04-31T10:00Z')).toEqual([
      {
        path,
        message: 'expected a date that exists (2021-04 has 30 days), got "2021-04-31T10:00Z"',
      },
    ]);
    const leap = await call('PUT', `/profiles/${uid('prf')}`, {
      properties: { [keys.born]: '2020-02-29' },
    });
    expect(leap.body.properties[keys.born]).toBe('2020-02-29T00:00:00.000Z');
  });

  it('refuses a day that does not exist in a rule match', async () => {
    expect(await refusedMatch(keys.born, 'gt', '2021-02-30')).toEqual([
      {
        path: 'rules[0].match',
        message: 'expected a date that exists (2021-02 has 28 days), got "2021-02-30"',
      },
    ]);
    const created = await refusedMatch('_createdAt', 'lt', '2021-04-31T10:00Z');
    expect(created[0].path).toBe('rules[0].match');
  });

  it('refuses a number for a date rather than read it as epoch milliseconds', async () => {
    const message =
      'expected an ISO 8601 date such as "2024-05-01" or "2024-05-01T10:00:00Z" ' +
      '(not epoch seconds or milliseconds), got 1700000000';
    expect(await refused(keys.born, 1700000000)).toEqual([{ path, message }]);
    expect(await refusedMatch(keys.born, 'eq', 1700000000)).toEqual([
      { path: 'rules[0].match', message },
    ]);
  });

  it('refuses the year 0, which group rules could not compare', async () => {
    expect(await refused(keys.born, '0000-06-01')).toEqual([
      { path, message: 'expected a date from 0001-01-01 to 9999-12-31 (UTC), got "0000-06-01"' },
    ]);
  });

  it('reads integers and floats in decimal notation only', async () => {
    for (const text of ['0x10', '0b11', '0o7']) {
      expect(await refused(keys.count, text)).toEqual([
        {
          path: `properties.${keys.count}`,
          message: `expected an integer in decimal notation, got "${text}"`,
        },
      ]);
      expect(await refused(keys.ltv, text)).toEqual([
        {
          path: `properties.${keys.ltv}`,
          message: `expected a number in decimal notation, got "${text}"`,
        },
      ]);
    }
    const res = await call('PUT', `/profiles/${uid('prf')}`, {
      properties: { [keys.count]: '-12', [keys.ltv]: '1.5e3' },
    });
    expect(res.body.properties).toEqual({ [keys.count]: -12, [keys.ltv]: 1500 });
  });

  it('reads a rule match on a number in decimal notation only', async () => {
    expect(await refusedMatch(keys.count, 'gt', '0x10')).toEqual([
      { path: 'rules[0].match', message: 'expected an integer in decimal notation, got "0x10"' },
    ]);
  });
});
