import { changePlan } from '../../src/app/change-plan';
import { createRollout } from '../../src/app/create-rollout';
import { DirectoryFacts, ROLE_CACHE_MS, ROLE_UNAVAILABLE } from '../../src/app/directory-facts';
import { DirectoryError } from '../../src/app/errors';
import type { Deps } from '../../src/app/ports';
import { requestSignoff } from '../../src/app/signoff-requests';
import { feedbackGateFor } from '../../src/app/submit-feedback';
import {
  audienceFingerprint,
  audienceParts,
  emptyAudience,
  type AudienceSpec,
} from '../../src/domain/audience';
import type { PlanSpec } from '../../src/domain/plan';
import { defaultReadinessPlan } from '../../src/domain/signoff';
import { isAdmin } from '../../src/domain/roles';
import { TableAudienceRepository } from '../../src/storage/audience-repository';
import { MemoryTable } from '../../src/storage/memory-table';
import { MemoryDirectory } from '../support/memory-directory';
import { ADMIN, COORDINATION, makeDeps, MEMBER, rolloutAfter, TENANT } from './support';

const ADMINS_GROUP = 'a0000000-0000-4000-8000-00000000000a';
const PILOT_GROUP = 'b0000000-0000-4000-8000-00000000000b';
const DESK_GROUP = 'c0000000-0000-4000-8000-00000000000c';
const GROUP_ADMIN = { id: 'f0000000-0000-4000-8000-000000000001', name: 'Grace Admin' };
const PILOT_USER = { id: 'f0000000-0000-4000-8000-000000000002', name: 'Pia Pilot' };
const GUEST = { id: 'f0000000-0000-4000-8000-000000000003', name: 'Gus Guest' };

let n = 0;
const key = () => `conv|facts-${++n}`;

const setUp = (options: { graph?: boolean } = {}) => {
  const base = makeDeps();
  const directory = new MemoryDirectory();
  for (const person of [GROUP_ADMIN, PILOT_USER, MEMBER])
    directory.addUser(TENANT, person.id, { displayName: person.name });
  directory.addUser(TENANT, GUEST.id, { displayName: GUEST.name, userType: 'Guest' });
  directory.addGroup(TENANT, ADMINS_GROUP, { users: [GROUP_ADMIN.id] });
  directory.addGroup(TENANT, PILOT_GROUP, { users: [PILOT_USER.id, GUEST.id] });
  directory.addGroup(TENANT, DESK_GROUP, { users: [MEMBER.id, PILOT_USER.id] });
  const facts = new DirectoryFacts({
    directory: options.graph === false ? null : directory,
    adminGroups: [ADMINS_GROUP],
    clock: base.clock,
    log: base.log,
  });
  const audiences = new TableAudienceRepository(new MemoryTable(), base.clock);
  const deps = { ...base, facts, audiences } satisfies Deps;
  return { deps, directory };
};
type Ctx = ReturnType<typeof setUp>;

/** A rollout in its pilot (no waves) whose audience is `audience`. */
const pilotWith = async ({ deps }: Ctx, audience: AudienceSpec): Promise<string> => {
  const rolloutId = await rolloutAfter(deps, 2, `Copilot ${++n}`);
  await editPlan(deps, rolloutId, (spec) => ({
    ...spec,
    phases: { ...spec.phases, pilot: { ...spec.phases.pilot, audience } },
  }));
  return rolloutId;
};

const editPlan = async (deps: Deps, rolloutId: string, edit: (spec: PlanSpec) => PlanSpec) => {
  const changed = await changePlan(deps, {
    tenantId: TENANT,
    rolloutId,
    by: ADMIN,
    activityKey: key(),
    command: 'plan edit',
    revision: null,
    section: 'phase pilot',
    edit,
  });
  if (changed.kind !== 'done') throw new Error(`${changed.kind}: ${JSON.stringify(changed)}`);
};

const gate = async ({ deps }: Ctx, rolloutId: string, person: { id: string; name: string }) => {
  const rollout = (await deps.rollouts.get(TENANT, rolloutId))?.value;
  if (!rollout) throw new Error('no rollout');
  const access = await deps.facts.accessFor(deps.access, TENANT, person);
  return feedbackGateFor({ ...deps, access }, TENANT, rollout, 'pilot', person);
};

/** Membership checks the gate itself asked Graph for (the admin-role check left out). */
const audienceChecks = async (ctx: Ctx, rolloutId: string, person: { id: string; name: string }) => {
  await ctx.deps.facts.accessFor(ctx.deps.access, TENANT, person); // cached from here on
  const before = ctx.directory.calls.memberGroups;
  const result = await gate(ctx, rolloutId, person);
  return { open: result.open, checks: ctx.directory.calls.memberGroups - before };
};

const groupAudience = (groups: string[], members: string[] = []): AudienceSpec => ({
  ...emptyAudience(),
  groups,
  members,
});

describe('roles from groups (ADMIN_GROUP_IDS)', () => {
  it('a member of an admin group is an admin for the turn; others are not', async () => {
    const { deps } = setUp();
    expect(isAdmin(GROUP_ADMIN, await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN))).toBe(true);
    expect(isAdmin(MEMBER, await deps.facts.accessFor(deps.access, TENANT, MEMBER))).toBe(false);
  });

  it('asks Graph once per person for at most 5 minutes (on the test clock)', async () => {
    const { deps, directory } = setUp();
    await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN);
    deps.clock.advance(ROLE_CACHE_MS - 1);
    await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN);
    expect(directory.calls.memberGroups).toBe(1);
    directory.addGroup(TENANT, ADMINS_GROUP, { users: [] }); // removed from the group
    deps.clock.advance(1);
    const access = await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN);
    expect(directory.calls.memberGroups).toBe(2);
    expect(isAdmin(GROUP_ADMIN, access)).toBe(false);
  });

  it('listed admins need no Graph call, and keep working when Graph is down', async () => {
    const { deps, directory } = setUp();
    directory.fail({ method: 'memberGroups', error: new DirectoryError('unavailable', 'Graph timed out') });
    const access = await deps.facts.accessFor(deps.access, TENANT, ADMIN);
    expect(isAdmin(ADMIN, access)).toBe(true);
    expect(access.unavailable).toBeUndefined();
    expect(directory.calls.memberGroups).toBe(0);
  });

  it('fails closed when Graph cannot answer: told plainly, nothing changed, nothing audited, not cached', async () => {
    const { deps, directory } = setUp();
    directory.fail({ method: 'memberGroups', error: new DirectoryError('unavailable', 'Graph timed out') });
    const access = await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN);
    expect(access.unavailable).toBe(ROLE_UNAVAILABLE);
    const activityKey = key();
    const outcome = await createRollout(
      { ...deps, access },
      {
        tenantId: TENANT,
        name: 'Refused',
        by: GROUP_ADMIN,
        activityKey,
        coordination: COORDINATION,
        template: 'app',
        timeZone: 'UTC',
      },
    );
    expect(outcome).toEqual({ kind: 'forbidden', message: ROLE_UNAVAILABLE });
    expect(await deps.rollouts.list(TENANT)).toEqual([]);
    expect(await deps.rollouts.audit(TENANT, null, 10)).toEqual([]);
    // No refusal marker: the same activity works once Graph answers again.
    expect(await deps.rollouts.findProcessed(TENANT, activityKey)).toBeNull();
    directory.heal();
    const retried = await deps.facts.accessFor(deps.access, TENANT, GROUP_ADMIN);
    expect(isAdmin(GROUP_ADMIN, retried)).toBe(true);
  });
});

describe('the feedback gate with Graph audiences', () => {
  it('without Graph, a stage naming only a group lets anyone answer (as before Graph)', async () => {
    const ctx = setUp({ graph: false });
    const rolloutId = await pilotWith(ctx, groupAudience([PILOT_GROUP]));
    expect((await gate(ctx, rolloutId, MEMBER)).open).toBe(true);
  });

  it('before a snapshot, a person is checked directly: group members in, guests and others out', async () => {
    const ctx = setUp();
    const rolloutId = await pilotWith(ctx, groupAudience([PILOT_GROUP]));
    expect((await gate(ctx, rolloutId, PILOT_USER)).open).toBe(true);
    const outsider = await gate(ctx, rolloutId, MEMBER);
    expect(outsider).toMatchObject({
      open: false,
      message: expect.stringContaining('not listed among them'),
    });
    expect((await gate(ctx, rolloutId, GUEST)).open).toBe(false);
    expect((await gate(ctx, rolloutId, ADMIN)).open).toBe(true);
  });

  it('listed members are in without Graph being asked', async () => {
    const ctx = setUp();
    const rolloutId = await pilotWith(ctx, groupAudience([PILOT_GROUP], [MEMBER.id]));
    expect(await audienceChecks(ctx, rolloutId, MEMBER)).toEqual({ open: true, checks: 0 });
  });

  it('fails closed with a clear message when Graph cannot answer', async () => {
    const ctx = setUp();
    const rolloutId = await pilotWith(ctx, groupAudience([PILOT_GROUP]));
    ctx.directory.fail({
      method: 'memberGroups',
      error: new DirectoryError('throttled', 'Too many requests'),
    });
    expect(await gate(ctx, rolloutId, PILOT_USER)).toEqual({
      open: false,
      message: expect.stringContaining('cannot check right now'),
    });
  });

  it('with a snapshot of today’s definition, one point read decides (no Graph call per answer)', async () => {
    const ctx = setUp();
    const audience = groupAudience([PILOT_GROUP]);
    const rolloutId = await pilotWith(ctx, audience);
    const rollout = (await ctx.deps.rollouts.get(TENANT, rolloutId))?.value;
    if (!rollout) throw new Error('no rollout');
    const writer = ctx.deps.audiences.begin(TENANT, rolloutId, 'pilot');
    await writer.add([{ id: MEMBER.id, name: MEMBER.name, department: null, country: null, platforms: [] }]);
    await writer.commit({
      fingerprint: audienceFingerprint(audienceParts(rollout, 'pilot')),
      resolvedAt: ctx.deps.clock.now().toISOString(),
      counts: {
        people: 1,
        byDepartment: {},
        byCountry: {},
        byPlatform: {},
        devicesByOs: {},
        withoutDevice: null,
        leftOut: { guest: 0, disabled: 0, filtered: 0, noDevice: 0 },
        nonUsers: 0,
      },
      sample: [MEMBER.name],
      warnings: [],
    });
    expect(await audienceChecks(ctx, rolloutId, MEMBER)).toEqual({ open: true, checks: 0 });
    expect(await audienceChecks(ctx, rolloutId, PILOT_USER)).toEqual({ open: false, checks: 0 });
    // A changed definition makes the snapshot stale: Graph is asked directly again.
    await editPlan(ctx.deps, rolloutId, (spec) => ({
      ...spec,
      phases: {
        ...spec.phases,
        pilot: { ...spec.phases.pilot, audience: { ...audience, includeGuests: true } },
      },
    }));
    expect(await audienceChecks(ctx, rolloutId, GUEST)).toEqual({ open: true, checks: 1 });
  });
});

describe('help-desk groups in a sign-off', () => {
  /** A rollout in its proof of concept whose pilot's sign-off names `groups` (and no members). */
  const inPoc = async (ctx: Ctx, groups: string[]) => {
    const { deps } = ctx;
    const rolloutId = await rolloutAfter(deps, 1, `Desk ${++n}`);
    await editPlan(deps, rolloutId, (spec) => ({
      ...spec,
      phases: {
        ...spec.phases,
        pilot: {
          ...spec.phases.pilot,
          readiness: { ...defaultReadinessPlan(), groups },
        },
      },
    }));
    return requestSignoff(deps, {
      tenantId: TENANT,
      rolloutId,
      by: ADMIN,
      activityKey: key(),
      command: 'signoff request',
      where: COORDINATION,
    }).then(async (outcome) => ({
      outcome,
      request: await (async () => {
        const id = (await deps.rollouts.get(TENANT, rolloutId))?.value.signoffs?.pilot;
        return id ? (await deps.signoffs.get(TENANT, rolloutId, id))?.request.value : undefined;
      })(),
    }));
  };

  it('expands the groups’ members into the request when it is made', async () => {
    const ctx = setUp();
    const { outcome, request } = await inPoc(ctx, [DESK_GROUP]);
    expect(outcome.kind).toBe('done');
    expect(request?.members.sort()).toEqual([MEMBER.id, PILOT_USER.id].sort());
  });

  it('refuses more than 200 members with a clear message', async () => {
    const ctx = setUp();
    const big = 'd0000000-0000-4000-8000-00000000000d';
    ctx.directory.generateGroup(TENANT, big, 201);
    const { outcome, request } = await inPoc(ctx, [big]);
    expect(outcome).toEqual({ kind: 'refused', message: expect.stringContaining('At most 200') });
    expect(request).toBeUndefined();
  });

  it('without Graph, says the groups cannot be read', async () => {
    const ctx = setUp({ graph: false });
    const { outcome } = await inPoc(ctx, [DESK_GROUP]);
    expect(outcome).toEqual({ kind: 'refused', message: expect.stringContaining('GRAPH_AUTH') });
  });

  it('HELPDESK_GROUP_IDS stand in when the plan names nobody', async () => {
    const ctx = setUp();
    const withGroups = { ...ctx, deps: { ...ctx.deps, helpdesk: [], helpdeskGroups: [DESK_GROUP] } };
    const { request } = await inPoc(withGroups, []);
    expect(request?.members.sort()).toEqual([MEMBER.id, PILOT_USER.id].sort());
  });
});

describe('the Graph permission check per tenant', () => {
  it('runs once per tenant at its first turn, logs what is missing, and tries again after a failure', async () => {
    const base = makeDeps();
    const warnings: string[] = [];
    const asked: string[] = [];
    let fail = true;
    const facts = new DirectoryFacts({
      directory: new MemoryDirectory(),
      adminGroups: [],
      clock: base.clock,
      log: { ...base.log, warn: (_details, message) => void warnings.push(message) },
      checkTenant: async (tenantId) => {
        asked.push(tenantId);
        if (fail) throw new DirectoryError('unavailable', 'no answer');
        return 'Missing Microsoft Graph permissions: Group.Read.All (group search)';
      },
    });
    await facts.checkPermissions(TENANT);
    fail = false;
    await facts.checkPermissions(TENANT);
    await facts.checkPermissions(TENANT);
    await facts.checkPermissions('other-tenant');
    expect(asked).toEqual([TENANT, TENANT, 'other-tenant']);
    expect(warnings).toEqual([
      'could not check the Microsoft Graph permissions',
      'Missing Microsoft Graph permissions: Group.Read.All (group search)',
      'Missing Microsoft Graph permissions: Group.Read.All (group search)',
    ]);
  });
});
