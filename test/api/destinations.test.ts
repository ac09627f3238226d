import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { destinationChanges } from '../../db/schema';
import {
  destinationIdSearchAttribute,
  destinationTypeSearchAttribute,
} from '../../lib/search-attributes';
import { registerFakeConnector } from './fake-connector';
import { testApi, uid } from './harness';

describe('apps and destinations API', async () => {
  const { call, db, temporal } = await testApi();
  const type = registerFakeConnector();
  const keys = { email: uid('email'), score: uid('score'), note: uid('note') };
  await call('POST', '/properties', { key: keys.email, type: 'email', unique: true });
  await call('POST', '/properties', { key: keys.score, type: 'float' });
  await call('POST', '/properties', { key: keys.note, type: 'string' });
  const appOptions = { url: 'https://tool.example.com', token: 'good-token' };

  const outbox = async (destinationId: string, profileIds: string[]) =>
    (
      await db
        .select()
        .from(destinationChanges)
        .where(
          and(
            eq(destinationChanges.destinationId, destinationId),
            inArray(destinationChanges.profileId, profileIds),
          ),
        )
    )
      .map((r) => r.profileId)
      .sort();

  async function newGroupWith(...profileIds: string[]) {
    const group = await call('POST', '/groups', { name: 'picked', kind: 'manual' });
    if (profileIds.length) await call('POST', `/groups/${group.body.id}/members`, { profileIds });
    return group.body.id as string;
  }

  async function newDestination(groupId: string, extra: Record<string, unknown> = {}) {
    const app = await call('POST', '/apps', { name: 'Tool', type, options: appOptions });
    const res = await call('POST', '/destinations', {
      name: 'Tool list',
      appId: app.body.id,
      options: { table: 'people' },
      collection: 'group',
      groupId,
      mapping: { id: keys.email, score: keys.score },
      ...extra,
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  it('masks secret app options and keeps them when the mask is sent back', async () => {
    const app = await call('POST', '/apps', { name: 'Tool', type, options: appOptions });
    expect(app.body.options).toEqual({ url: appOptions.url, token: '********' });
    const patched = await call('PATCH', `/apps/${app.body.id}`, {
      options: { url: 'https://other.example.com', token: '********' },
    });
    expect(patched.body.options.token).toBe('********');
    expect((await call('POST', `/apps/${app.body.id}/test`)).body.ok).toBe(true);
  });

  it('names the app option that fails the connector schema, and an unknown type', async () => {
    const res = await call('POST', '/apps', {
      name: 'Tool',
      type,
      options: { url: 'nope', token: 'good-token' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.issues[0].path).toBe('options.url');
    expect(res.body.error.issues[0].message).toContain('"nope"');
    const unknown = await call('POST', '/apps', { name: 'x', type: 'carrier-pigeon', options: {} });
    expect(unknown.body.error.issues[0]).toEqual({
      path: 'type',
      message: 'unknown connector type "carrier-pigeon"',
    });
  });

  it('queues its collection and starts a workflow with search attributes on create', async () => {
    const [a, b] = [uid('prf'), uid('prf')];
    await call('PUT', `/profiles/${a}`, { properties: { [keys.email]: `${a}@example.com` } });
    await call('PUT', `/profiles/${b}`, { properties: { [keys.email]: `${b}@example.com` } });
    const destination = await newDestination(await newGroupWith(a));
    expect(await outbox(destination.id, [a, b])).toEqual([a]);

    const description = await temporal.workflow
      .getHandle(`destination:${destination.id}`)
      .describe();
    expect(description.type).toBe('destinationWorkflow');
    expect(description.typedSearchAttributes.get(destinationIdSearchAttribute)).toBe(
      destination.id,
    );
    expect(description.typedSearchAttributes.get(destinationTypeSearchAttribute)).toBe(type);
    const status = await call('GET', `/destinations/${destination.id}/status`);
    expect(status.body).toMatchObject({
      changesWaiting: 1,
      workflowId: `destination:${destination.id}`,
    });
    await call('DELETE', `/destinations/${destination.id}`);
  });

  it('queues changed profiles it concerns only, and their deletes', async () => {
    const [a, b, c] = [uid('prf'), uid('prf'), uid('prf')];
    await call('POST', '/profiles/batch', {
      profiles: [a, b, c].map((id, i) => ({ id, properties: { [keys.score]: i } })),
    });
    const destination = await newDestination(await newGroupWith(a, c));
    await db.delete(destinationChanges).where(eq(destinationChanges.destinationId, destination.id));
    // c left the group while its first export was still queued: it must follow.
    await db.insert(destinationChanges).values({ destinationId: destination.id, profileId: c });

    await call('PUT', `/profiles/${a}`, { properties: { [keys.score]: 0 } }); // unchanged
    await call('PUT', `/profiles/${a}`, { properties: { [keys.score]: 5 } });
    await call('PUT', `/profiles/${b}`, { properties: { [keys.score]: 6 } }); // not a member
    await call('DELETE', `/profiles/${a}`);
    await call('DELETE', `/profiles/${c}`);
    expect(await outbox(destination.id, [a])).toEqual([a, a]);
    expect(await outbox(destination.id, [b])).toEqual([]);
    expect(await outbox(destination.id, [c])).toEqual([c, c]);
    await call('DELETE', `/destinations/${destination.id}`);
  });

  it('names the remote field of each mapping problem', async () => {
    const app = await call('POST', '/apps', { name: 'Tool', type, options: appOptions });
    const res = await call('POST', '/destinations', {
      name: 'bad',
      appId: app.body.id,
      options: { table: 'people' },
      mapping: { score: keys.email, shoe: keys.score },
      groupMapping: { [uid('grp')]: 'vip' },
      syncMode: 'enrich',
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['mapping.id', 'mapping.score', 'mapping.shoe', 'syncMode']),
    );
    expect(paths.some((p: string) => p.startsWith('groupMapping.'))).toBe(true);
  });

  it('re-evaluates old and new collections when the collection changes, but not on a rename', async () => {
    const [a, b] = [uid('prf'), uid('prf')];
    await call('PUT', `/profiles/${a}`, { properties: { [keys.score]: 1 } });
    await call('PUT', `/profiles/${b}`, { properties: { [keys.score]: 1 } });
    const destination = await newDestination(await newGroupWith(a));
    await db.delete(destinationChanges).where(eq(destinationChanges.destinationId, destination.id));

    const renamed = await call('PATCH', `/destinations/${destination.id}`, { name: 'New name' });
    expect(renamed.body.configVersion).toBe(destination.configVersion);
    expect(await outbox(destination.id, [a, b])).toEqual([]);

    const moved = await call('PATCH', `/destinations/${destination.id}`, {
      groupId: await newGroupWith(b),
    });
    expect(moved.body.configVersion).toBe(destination.configVersion + 1);
    expect(await outbox(destination.id, [a, b])).toEqual([a, b].sort());
    await call('DELETE', `/destinations/${destination.id}`);
  });

  it('refuses to delete an app or a group a destination uses, and answers 404 for unknown ids', async () => {
    const groupId = await newGroupWith();
    const destination = await newDestination(groupId);
    const inUse = await call('DELETE', `/apps/${destination.appId}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.message).toBe(
      `app "${destination.appId}" is used by destination(s) "${destination.id}"`,
    );
    const group = await call('DELETE', `/groups/${groupId}`);
    expect(group.status).toBe(409);
    expect(group.body.error.message).toContain(destination.id);
    await call('DELETE', `/destinations/${destination.id}`);
    expect((await call('DELETE', `/groups/${groupId}`)).status).toBe(204);
    // A deleted destination's exports still name the app: it stays, and says why.
    const kept = await call('DELETE', `/apps/${destination.appId}`);
    expect(kept.status).toBe(409);
    expect(kept.body.error.message).toBe(
      `app "${destination.appId}" is kept for the export history of deleted destination(s) "${destination.id}"`,
    );
    expect((await call('GET', `/destinations/${uid('dst')}`)).status).toBe(404);
    expect((await call('GET', `/apps/${uid('app')}`)).status).toBe(404);
  });

  it('lists exports and connectors', async () => {
    expect((await call('GET', '/exports?state=complete&limit=5')).status).toBe(200);
    expect((await call('GET', '/exports?state=done')).body.error.issues[0].path).toBe('state');
    expect((await call('GET', '/exports/999999999')).status).toBe(404);
    const connectors = await call('GET', '/connectors');
    const fake = connectors.body.connectors.find((k: { type: string }) => k.type === type);
    expect(fake).toMatchObject({ appOptions: ['url', 'token'], secretOptions: ['token'] });
  });
});
