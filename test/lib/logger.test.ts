import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, temporalLogger } from '../../lib/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

describe('logger', () => {
  it('censors secret-ish keys at the top level and nested', () => {
    const { lines, log } = capture();
    log.info(
      {
        apiKey: 'k1',
        connectionString: 'postgres://u:p@h/db',
        request: { headers: { authorization: 'Bearer t' } },
        profile: { id: 'p1', properties: { email: 'a@b.c' } },
        change: { newProperties: { email: 'x' }, oldProperties: { email: 'y' } },
        destinationId: 'd1',
      },
      'exporting',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['k1', 'u:p', 'Bearer t', 'a@b.c', '"x"', '"y"']) {
      expect(text).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({ destinationId: 'd1', profile: { id: 'p1' } });
  });

  it('leaves the task token out of what the Temporal SDK logs', () => {
    const { lines, log } = capture();
    temporalLogger(log).info('export batch done', {
      taskToken: 'CiQwMWEyM2ZiZi1lNWFi',
      activityType: 'exportBatch',
      workflowId: 'destination:d1',
    });
    expect(lines[0]).toMatchObject({ activityType: 'exportBatch', workflowId: 'destination:d1' });
    expect(lines[0]).not.toHaveProperty('taskToken');
  });
});
